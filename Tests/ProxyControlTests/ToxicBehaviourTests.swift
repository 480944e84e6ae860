import FaultlineTestSupport
import Foundation
import Glibc
import Testing

@Suite("Toxics set through the API act on real connections")
struct ToxicBehaviourTests {
  @Test("reset_peer with timeout 0 resets on the next chunk, as Toxiproxy does")
  func resetPeer() async throws {
    try await ControlFixture.with { fixture in
      let port = try await fixture.createProxy("rp")
      let socket = try await blocking { try BlockingSocket.connect(port: UInt16(port)) }
      defer { socket.close() }
      _ = try await blocking { try echoRoundTrip(socket) }
      _ = try await fixture.client.post("/proxies/rp/toxics", json: ["type": "reset_peer"])
      let outcome = try await blocking { () -> Result<[UInt8], SocketError> in
        try socket.send([1])
        do { return .success(try socket.receive()) } catch let error as SocketError {
          return .failure(error)
        }
      }
      #expect(outcome == .failure(.failed("recv", ECONNRESET)))
    }
  }

  @Test("limit_data closes the connection after that many bytes")
  func limitData() async throws {
    try await ControlFixture.with { fixture in
      let port = try await fixture.createProxy("ld")
      _ = try await fixture.client.post(
        "/proxies/ld/toxics", json: ["type": "limit_data", "attributes": ["bytes": 10]])
      let received = try await blocking { () -> [UInt8] in
        let socket = try BlockingSocket.connect(port: UInt16(port))
        defer { socket.close() }
        try socket.send([UInt8](repeating: 9, count: 100))
        return try socket.receiveAll()
      }
      #expect(received == [UInt8](repeating: 9, count: 10))
    }
  }

  @Test("bandwidth limits the rate in KB/s")
  func bandwidth() async throws {
    try await ControlFixture.with { fixture in
      let port = try await fixture.createProxy("bw")
      _ = try await fixture.client.post(
        "/proxies/bw/toxics", json: ["type": "bandwidth", "attributes": ["rate": 100]])
      let elapsed = try await blocking { () -> Duration in
        let socket = try BlockingSocket.connect(port: UInt16(port))
        defer { socket.close() }
        return try echoRoundTrip(socket, [UInt8](repeating: 3, count: 50_000))
      }
      // 50 KB at 100 KB/s takes about half a second (the first bucket may let a little through at once).
      #expect(elapsed > .milliseconds(350), "50 KB at 100 KB/s took \(elapsed)")
      #expect(elapsed < .seconds(5), "50 KB at 100 KB/s took \(elapsed)")
    }
  }

  @Test("A toxic with toxicity 0 never applies")
  func toxicityZero() async throws {
    try await ControlFixture.with { fixture in
      let port = try await fixture.createProxy("tz")
      _ = try await fixture.client.post(
        "/proxies/tz/toxics",
        json: ["type": "latency", "toxicity": 0, "attributes": ["latency": 3000]])
      let elapsed = try await blocking { () -> Duration in
        let socket = try BlockingSocket.connect(port: UInt16(port))
        defer { socket.close() }
        return try echoRoundTrip(socket)
      }
      #expect(
        elapsed < .seconds(2),
        "a round trip past a 3 s latency toxic with toxicity 0 took \(elapsed)")
    }
  }

  @Test("Our refuse type closes the listener until it is removed")
  func refuse() async throws {
    try await ControlFixture.with { fixture in
      let port = try await fixture.createProxy("rf")
      _ = try await fixture.client.post(
        "/proxies/rf/toxics", json: ["type": "refuse", "name": "down"])
      #expect(throws: SocketError.failed("connect", ECONNREFUSED)) {
        try BlockingSocket.connect(port: UInt16(port)).close()
      }
      #expect(try await fixture.client.delete("/proxies/rf/toxics/down").status == 204)
      _ = try await blocking { () -> Duration in
        let socket = try BlockingSocket.connect(port: UInt16(port))
        defer { socket.close() }
        return try echoRoundTrip(socket)
      }
    }
  }
}
