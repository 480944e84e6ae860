import FaultProxy
import FaultlineTestSupport
import Glibc
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

  /// What the hold is for: an outgoing connection never takes a held port as its local port. The
  /// connecting socket's own ephemeral range is narrowed to that one port (`IP_LOCAL_PORT_RANGE`),
  /// so the kernel has no other choice: refused while held, taken once released.
  @Test func anOutgoingConnectionCannotTakeAHeldPort() throws {
    let server = try makeEchoServer()
    defer { server.stop() }
    var held: HeldPort? = try HeldPort(SocketAddress(host: "127.0.0.1", port: 0))
    let port = try #require(held?.port)
    #expect(localPort(connectingTo: server.port, onlyFrom: port) == -EADDRNOTAVAIL)
    held = nil
    #expect(localPort(connectingTo: server.port, onlyFrom: port) == Int32(port))
  }

  /// Connects to `serverPort` allowing only `port` as the local port: that port, or minus errno.
  private func localPort(connectingTo serverPort: UInt16, onlyFrom port: UInt16) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    defer { close(fd) }
    // IP_LOCAL_PORT_RANGE (Linux 6.3): low 16 bits the lowest port, high 16 bits the highest.
    var range = UInt32(port) << 16 | UInt32(port)
    guard setsockopt(fd, Int32(IPPROTO_IP), 51, &range, socklen_t(MemoryLayout<UInt32>.size)) == 0
    else {
      return -errno
    }
    let status = withSockAddr(host: "127.0.0.1", port: serverPort) { connect(fd, $0, $1) }
    guard status == 0 else { return -errno }
    return Int32(SocketAddress.boundPort(ofDescriptor: fd) ?? 0)
  }
}
