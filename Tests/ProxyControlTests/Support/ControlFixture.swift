import FaultProxy
import FaultlineScope
import FaultlineTestSupport
import Foundation
import ProxyControl
import Testing

/// A real engine, a real control server on port 0 and an echo server to proxy to; torn down
/// whatever the test body does.
struct ControlFixture: Sendable {
  let engine: ProxyEngine
  let server: ControlServer
  let client: HTTPTestClient
  let echo: TestServer

  var upstream: String { "127.0.0.1:\(echo.port)" }

  static func with<T: Sendable>(
    bodyLimit: Int = ControlServer.defaultBodyLimit, _ body: (ControlFixture) async throws -> T
  ) async throws -> T {
    let engine = try ProxyEngine(configuration: EngineConfiguration(loopCount: 2, seed: 42))
    let echo = try makeEchoServer()
    let server = try ControlServer(engine: engine, host: "127.0.0.1", port: 0, bodyLimit: bodyLimit)
    let fixture: ControlFixture
    do {
      fixture = ControlFixture(
        engine: engine, server: server, client: HTTPTestClient(port: try await server.start()),
        echo: echo)
    } catch {
      await engine.shutdown()
      echo.stop()
      throw error
    }
    return try await withCleanup(fixture, cleanup: { await $0.tearDown() }, body)
  }

  private func tearDown() async {
    await server.stop()
    await engine.shutdown()
    echo.stop()
  }

  /// Creates a proxy to the echo server through the API; returns its real listen port.
  @discardableResult
  func createProxy(_ name: String, enabled: Bool = true) async throws -> Int {
    let response = try await client.post(
      "/proxies",
      json: ["name": name, "listen": "127.0.0.1:0", "upstream": upstream, "enabled": enabled])
    try #require(response.status == 201, "create failed: \(response.status) \(response.text)")
    let listen = try #require(try response.object()["listen"] as? String)
    return try #require(Int(listen.split(separator: ":").last ?? ""))
  }
}
