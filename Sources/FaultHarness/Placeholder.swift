// Placeholder until the FaultHarness module lands; replaced by its first real file.
