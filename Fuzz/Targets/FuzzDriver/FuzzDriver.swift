#if canImport(Glibc)
  import Glibc
#endif

/// libFuzzer's driver: parses its flags (-runs=N, corpus directories, ...) from the command line,
/// then calls the test with each input. Linked in by -sanitize=fuzzer.
@_silgen_name("LLVMFuzzerRunDriver")
func libFuzzerRunDriver(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
  _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// A fuzz target's input handler: returns 0; stops the process (a crash libFuzzer reports with the
/// input) when the code under test misbehaves.
public typealias FuzzTest = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Runs libFuzzer with `test` and exits with its status. SwiftPM links an executable's main under
/// the module's own name, so libFuzzer's main() is not the one that runs: each target's main.swift
/// calls this instead.
public func runFuzzer(_ test: FuzzTest) -> Never {
  var argc = CommandLine.argc
  var argv = CommandLine.unsafeArgv
  exit(libFuzzerRunDriver(&argc, &argv, test))
}
