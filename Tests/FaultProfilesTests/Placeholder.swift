// Placeholder until FaultProfilesTests has tests.
