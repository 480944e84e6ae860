// Placeholder until FaultHarnessTests has tests.
