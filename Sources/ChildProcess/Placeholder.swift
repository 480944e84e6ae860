// Placeholder until the ChildProcess module lands.
