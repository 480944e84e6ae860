// Placeholder until the ComfyClient module lands; replaced by its first real file.
