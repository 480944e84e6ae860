// Placeholder until FaultProxyTests has tests.
