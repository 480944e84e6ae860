import ArgumentParser
import FaultProxy

/// Options of `faultline proxy` and `faultline up` that size the proxy's buffers and bound how
/// long it lets held bytes drain when told to stop.
struct ProxyEngineOptions: ParsableArguments {
  @Option(
    help: """
      Bound on the bytes all connections together may hold (in faults or waiting to be written), \
      e.g. 64MiB or 1GB; over it, connections that hold bytes stop reading. Default 256MiB.
      """)
  var bufferLimit: String?

  @Option(
    help: """
      On SIGTERM/SIGINT: stop accepting, then wait at most this long (e.g. 5s, 0 for none) for \
      bytes held by faults to reach their side before closing the connections.
      """)
  var drainGrace = "5s"

  func validate() throws {
    _ = try bufferLimitBytes()
    _ = try drainGraceDuration()
  }

  /// The `--buffer-limit` in bytes, or nil for the engine's default.
  func bufferLimitBytes() throws -> Int? {
    guard let bufferLimit else { return nil }
    let bytes = try parseByteSize(bufferLimit, option: "--buffer-limit")
    // Below one read buffer every connection that holds anything would stop at its first read.
    let smallest = EngineConfiguration().readBufferSize
    guard bytes >= smallest else {
      throw ValidationError(
        "--buffer-limit \(bufferLimit) is below the smallest useful bound, one read buffer (\(smallest) bytes)"
      )
    }
    return bytes
  }

  func drainGraceDuration() throws -> Duration {
    try parseDuration(drainGrace, option: "--drain-grace")
  }

  /// The engine's configuration with these options applied.
  func engineConfiguration(loopCount: Int, seed: UInt64?) throws -> EngineConfiguration {
    var configuration = EngineConfiguration(loopCount: loopCount, seed: seed)
    if let bytes = try bufferLimitBytes() { configuration.bufferLimit = bytes }
    return configuration
  }
}

/// Stops accepting and waits for held bytes to go out, saying so when the grace period ran out.
func drain(_ engine: ProxyEngine, within grace: Duration, command: String) async {
  let held = await engine.drain(within: grace)
  if held > 0 {
    Console.err(
      "\(command): \(held) bytes still held after the \(grace) drain grace, closing anyway\n")
  }
}
