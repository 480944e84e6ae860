import Foundation
import Glibc
import Testing

@Suite("Toxics change live traffic")
struct TrafficTests {
  @Test("A latency toxic raises the round trip of an open connection; removing it restores it")
  func latencyRaisesRoundTrip() async throws {
    try await ControlFixture.with { fixture in
      let port = try await fixture.createProxy("lat")
      let socket = try TCPSocket.connect(port: port)
      defer { socket.close() }
      let before = try await TCPSocket.offload { try echoRoundTrip(socket) }
      let added = try await fixture.client.post(
        "/proxies/lat/toxics",
        json: ["type": "latency", "name": "lag", "attributes": ["latency": 200]])
      #expect(added.status == 200)
      let during = try await TCPSocket.offload { try echoRoundTrip(socket) }
      #expect(during >= 0.2, "round trip with 200 ms latency was \(during) s")
      #expect(during < 2, "round trip with 200 ms latency was \(during) s")
      #expect(try await fixture.client.delete("/proxies/lat/toxics/lag").status == 204)
      let after = try await TCPSocket.offload { try echoRoundTrip(socket) }
      #expect(after < 0.15, "round trip after removal was \(after) s (before: \(before) s)")
    }
  }

  @Test("A timeout toxic with toxicity 1 catches every one of many open connections")
  func noConnectionEscapes() async throws {
    try await ControlFixture.with { fixture in
      let port = try await fixture.createProxy("all")
      let sockets = try await TCPSocket.offload {
        try (0..<50).map { _ in try TCPSocket.connect(port: port) }
      }
      defer { sockets.forEach { $0.close() } }
      for socket in sockets { _ = try await TCPSocket.offload { try echoRoundTrip(socket) } }
      let added = try await fixture.client.post(
        "/proxies/all/toxics",
        json: ["type": "timeout", "stream": "upstream", "attributes": ["timeout": 0]])
      #expect(added.status == 200)
      // Data is dropped from the moment the API answered: no echo may come back on any connection.
      let escaped = try await TCPSocket.offload { () -> Int in
        var escaped = 0
        for socket in sockets {
          socket.setTimeout(0.05)
          try socket.send(Data([1]))
        }
        for socket in sockets {
          do {
            if try !socket.receive().isEmpty { escaped += 1 }
          } catch let error as TestSocketError where error.code == EAGAIN {
            continue
          }
        }
        return escaped
      }
      #expect(escaped == 0)
    }
  }
}
