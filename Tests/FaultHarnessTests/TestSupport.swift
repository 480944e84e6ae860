import ChildProcess
import ComfyClient
import FaultHarness
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Set-ups shared by the suite: a managed mock server, and the same behind an in-process proxy.
enum TestSupport {
  /// Mock options for fast tests: short nodes, a status broadcast every 250 ms so a 1.5 s silence
  /// deadline never fires on an idle but healthy connection.
  static func mockOptions(
    slowNodes: [String: Duration] = [:], quirks: [String] = [], withoutQuirks: [String] = []
  ) -> MockServerOptions {
    MockServerOptions(
      nodeTime: .milliseconds(50), statusInterval: .milliseconds(250), quirks: quirks,
      withoutQuirks: withoutQuirks, slowNodes: slowNodes, stopGrace: .seconds(3))
  }

  /// A running mock server for `body`, stopped (and its files removed) however `body` ends.
  static func withServer<Result: Sendable>(
    _ options: MockServerOptions = mockOptions(),
    _ body: (ServerManager, ServerInstance) async throws -> Result
  ) async throws -> Result {
    try await ServerManager.with(options: options) { manager in
      try await body(manager, try await manager.start())
    }
  }

  /// A mock server with an in-process proxy in front; `body` gets the proxy's base URL.
  static func withProxiedServer<Result: Sendable>(
    _ options: MockServerOptions = mockOptions(),
    clock: ScenarioClock? = nil,
    _ body: (ServerManager, ServerInstance, ProxyManager, URL) async throws -> Result
  ) async throws -> Result {
    try await withServer(options) { manager, server in
      try await ProxyManager.with(clock: clock) { proxies in
        try await proxies.addProxy(upstreamPort: server.port)
        return try await body(manager, server, proxies, try proxies.baseURL())
      }
    }
  }
}

/// Values handed over from a callback, for checking afterwards.
final class Collected<Value: Sendable>: Sendable {
  private let values = Mutex<[Value]>([])
  func append(_ value: Value) { values.withLock { $0.append(value) } }
  var all: [Value] { values.withLock { $0 } }
}

/// True while process `pid` exists and is not a zombie.
func isAlive(_ pid: Int) -> Bool { ProcessTable.isAlive(Int32(pid)) }

/// The state letter of /proc/PID/stat, nil when there is no such process.
func processState(_ pid: Int32) -> String? { ProcessTable.state(of: pid).map(String.init) }
