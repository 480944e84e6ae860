// Placeholder until the MockComfy module lands; replaced by its first real file.
