// Placeholder until ComfyClientTests has tests.
