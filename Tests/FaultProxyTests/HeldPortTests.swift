import FaultProxy
import FaultlineTestSupport
import Testing

/// `HeldPort` keeps a proxy's port while the proxy is away (a `/populate` that may undo a
/// replacement): the hold accepts nothing, and the proxy can be put back on the port beside it.
@Suite struct HeldPortTests {
  @Test func aProxyPutBackOnAHeldPortServesAgainAndTheHoldAcceptsNothing() async throws {
    let server = try makeEchoServer()
    defer { server.stop() }
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    let listen = proxy.info.listen
    let held = try HeldPort(listen)
    try await proxy.engine.removeProxy(named: "test")
    #expect(throws: SocketError.self, "a held port refuses connections") {
      try BlockingSocket.connect(port: listen.port)
    }
    _ = try await proxy.engine.addProxy(
      ProxyConfiguration(
        name: "test", listen: listen,
        upstream: try SocketAddress(host: "127.0.0.1", port: server.port)))
    let socket = try proxy.connect()
    _ = try await roundTrip(socket, [1, 2, 3])
    socket.close()
    withExtendedLifetime(held) {}
    await proxy.close()
  }
}
