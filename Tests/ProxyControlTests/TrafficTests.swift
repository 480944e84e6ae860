import FaultlineTestSupport
import Foundation
import Glibc
import Testing

@Suite("Toxics change live traffic")
struct TrafficTests {
  @Test("A latency toxic raises the round trip of an open connection; removing it restores it")
  func latencyRaisesRoundTrip() async throws {
    try await ControlFixture.with { fixture in
      let port = try await fixture.createProxy("lat")
      let socket = try BlockingSocket.connect(port: UInt16(port))
      defer { socket.close() }
      let before = try await blocking { try echoRoundTrip(socket) }
      let added = try await fixture.client.post(
        "/proxies/lat/toxics",
        json: ["type": "latency", "name": "lag", "attributes": ["latency": 1000]])
      #expect(added.status == 200)
      let during = try await blocking { try echoRoundTrip(socket) }
      #expect(during >= .seconds(1), "round trip with 1 s latency was \(during)")
      #expect(during < .seconds(5), "round trip with 1 s latency was \(during)")
      #expect(try await fixture.client.delete("/proxies/lat/toxics/lag").status == 204)
      let after = try await blocking { try echoRoundTrip(socket) }
      #expect(
        after < .milliseconds(900), "round trip after removal was \(after) (before: \(before))")
    }
  }

  @Test("A timeout toxic with toxicity 1 catches every one of many open connections")
  func noConnectionEscapes() async throws {
    try await ControlFixture.with { fixture in
      let port = try await fixture.createProxy("all")
      let sockets = try await blocking {
        try (0..<50).map { _ in try BlockingSocket.connect(port: UInt16(port)) }
      }
      defer { sockets.forEach { $0.close() } }
      let echoedBefore = try await blocking { () -> Int in
        for socket in sockets { try socket.send([1]) }
        let deadline = ContinuousClock.now + .seconds(10)
        var echoed = 0
        while echoed < sockets.count, ContinuousClock.now < deadline {
          echoed = readableCount(sockets, within: 100)
        }
        for socket in sockets { _ = try socket.receive(exactly: 1) }
        return echoed
      }
      #expect(echoedBefore == sockets.count)
      let added = try await fixture.client.post(
        "/proxies/all/toxics",
        json: ["type": "timeout", "stream": "upstream", "attributes": ["timeout": 0]])
      #expect(added.status == 200)
      // Data is dropped from the moment the API answered: no echo may come back on any connection.
      // The control: before the toxic, the same check sees every echo come back.
      let escaped = try await blocking { () -> Int in
        for socket in sockets { try socket.send([1]) }
        return readableCount(sockets, within: 500)
      }
      #expect(escaped == 0)
    }
  }
}

/// How many of `sockets` have data to read within `milliseconds` (one poll over all of them).
private func readableCount(_ sockets: [BlockingSocket], within milliseconds: Int32) -> Int {
  var descriptors = sockets.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
  _ = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
  return descriptors.filter { $0.revents & Int16(POLLIN) != 0 }.count
}
