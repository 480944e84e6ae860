// Placeholder until MockComfyTests has tests.
