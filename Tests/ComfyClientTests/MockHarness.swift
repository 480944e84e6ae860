import FaultProxy
import FaultlineScope
import MockComfy
import Synchronization
import Testing

/// An in-process mock ComfyUI server that a test can stop and start again on the same port,
/// as a restarted server would be: a new process state, the same address.
final class RestartableMock: Sendable {
  let configuration: MockServerConfiguration
  private let server = Mutex<MockServer?>(nil)
  private let boundPort = Mutex(0)

  private init(configuration: MockServerConfiguration) {
    self.configuration = configuration
  }

  var port: Int { boundPort.withLock { $0 } }

  /// Runs `body` with a started mock and stops it however `body` ends. The mock broadcasts
  /// `status` every 250 ms, so the clients' silence deadline (a few seconds in these tests)
  /// only fires when a session is really dead; `configure` changes anything else.
  static func with<Result>(
    _ configure: (inout MockServerConfiguration) -> Void = { _ in },
    _ body: (RestartableMock) async throws -> Result
  ) async throws -> Result {
    var configuration = MockServerConfiguration()
    configuration.statusInterval = .milliseconds(250)
    configure(&configuration)
    return try await withCleanup(
      RestartableMock(configuration: configuration), cleanup: { await $0.stop() }
    ) { mock in
      try await mock.start()
      return try await body(mock)
    }
  }

  /// Starts a fresh server: on a free port the first time (outside the ephemeral range, so no
  /// outgoing connection takes it while the server is down), on the same port afterwards.
  func start() async throws {
    var configuration = configuration
    if port != 0 {
      configuration.port = port
    } else if configuration.port == 0 {
      configuration.port = try RestartablePort.pick()
    }
    let fresh = MockServer(configuration: configuration)
    let port = try await fresh.start()
    boundPort.withLock { $0 = port }
    server.withLock { $0 = fresh }
  }

  /// Stops the running server (WebSockets closed with 1001, history gone); a no-op when stopped.
  func stop() async {
    guard
      let running = server.withLock({ current in
        defer { current = nil }
        return current
      })
    else {
      return
    }
    await running.stop()
  }
}
