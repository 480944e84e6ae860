import FaultlineTestSupport
import Glibc
import Testing

@testable import FaultProxy

/// `RestartablePort` hands out ports that no outgoing connection can take: below the kernel's
/// ephemeral range, and free to listen on.
@Suite struct RestartablePortTests {
  @Test func aPickedPortLiesBelowTheEphemeralRangeAndCanBeListenedOn() throws {
    let range = try #require(RestartablePort.ephemeralRange(), "ip_local_port_range unreadable")
    for _ in 0..<20 {
      let port = try RestartablePort.pick()
      #expect(port >= RestartablePort.floor && port < range.lowerBound, "port \(port)")
      let fd = try PortReservation.probe(SocketAddress(host: "127.0.0.1", port: UInt16(port))).fd
      defer { close(fd) }
      #expect(listen(fd, 1) == 0, "listen on \(port): errno \(errno)")
    }
  }

  @Test func aPortSomethingListensOnIsNeverPicked() throws {
    // Every candidate but a handful is taken by listeners would be too many sockets; instead the
    // candidates are narrowed to one held port and the pick must give up (port 0), not return it.
    let server = try TestServer { _ in }
    defer { server.stop() }
    let held = Int(server.port)
    #expect(try RestartablePort.pick(host: "127.0.0.1", among: held..<(held + 1)) == 0)
    #expect(try RestartablePort.pick(host: "127.0.0.1", among: (held + 1)..<(held + 1)) == 0)
  }
}
