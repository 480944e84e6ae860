// Placeholder until the FaultProfiles module lands; replaced by its first real file.
