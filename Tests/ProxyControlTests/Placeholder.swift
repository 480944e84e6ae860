// Placeholder until ProxyControlTests has tests.
