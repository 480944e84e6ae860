import FaultlineScope
import NIOCore
import NIOPosix

extension ComfyClient {
  /// Creates a client, runs `body`, and destroys the client whether `body` returned or threw: a client
  /// that is not destroyed keeps sockets and tasks alive.
  @discardableResult
  public static func withClient<Result>(
    _ configuration: ComfyClientConfiguration,
    clock: any Clock<Duration> = ContinuousClock(),
    randomUnit: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
    onReconnectionFailed: (@Sendable (_ attempts: Int) -> Void)? = nil,
    _ body: (ComfyClient) async throws -> Result
  ) async throws -> Result {
    let client = try ComfyClient(
      configuration: configuration, clock: clock, randomUnit: randomUnit,
      onReconnectionFailed: onReconnectionFailed)
    return try await withCleanup(client, cleanup: { await $0.destroy() }, body)
  }
}
