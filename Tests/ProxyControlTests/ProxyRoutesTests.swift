import FaultlineTestSupport
import Foundation
import Glibc
import Testing

@Suite("Proxy routes answer as Toxiproxy does")
struct ProxyRoutesTests {
  @Test("POST /proxies creates a proxy: 201 with the real port, defaults and an empty toxic list")
  func createProxy() async throws {
    try await ControlFixture.with { fixture in
      let response = try await fixture.client.post(
        "/proxies", json: ["name": "redis", "listen": "127.0.0.1:0", "upstream": fixture.upstream])
      #expect(response.status == 201)
      #expect(response.headers["content-type"] == "application/json")
      let proxy = try response.object()
      #expect(proxy["name"] as? String == "redis")
      #expect(proxy["upstream"] as? String == fixture.upstream)
      #expect(proxy["enabled"] as? Bool == true)
      #expect((proxy["toxics"] as? [Any])?.isEmpty == true)
      let listen = try #require(proxy["listen"] as? String)
      #expect(listen.hasPrefix("127.0.0.1:") && listen != "127.0.0.1:0")
      let port = try #require(Int(listen.split(separator: ":")[1]))
      let socket = try BlockingSocket.connect(port: UInt16(port))
      defer { socket.close() }
      _ = try echoRoundTrip(socket)
    }
  }

  @Test("The upstream is echoed as written, a host name included")
  func upstreamAsWritten() async throws {
    try await ControlFixture.with { fixture in
      let upstream = "localhost:\(fixture.echo.port)"
      let created = try await fixture.client.post(
        "/proxies", json: ["name": "byname", "upstream": upstream])
      #expect(created.status == 201)
      #expect(try created.object()["upstream"] as? String == upstream)
      #expect(
        try await fixture.client.get("/proxies/byname").object()["upstream"] as? String == upstream)
    }
  }

  @Test("GET /proxies is an object keyed by name; GET /proxies/{name} shows one; unknown names 404")
  func listAndShow() async throws {
    try await ControlFixture.with { fixture in
      try await fixture.createProxy("one")
      try await fixture.createProxy("two")
      let index = try await fixture.client.get("/proxies")
      #expect(index.status == 200)
      let all = try index.object()
      #expect(Set(all.keys) == ["one", "two"])
      #expect((all["two"] as? [String: Any])?["name"] as? String == "two")
      let one = try await fixture.client.get("/proxies/one")
      #expect(one.status == 200)
      #expect(try one.object()["name"] as? String == "one")
      let missing = try await fixture.client.get("/proxies/nope")
      #expect(missing.status == 404)
      #expect(try missing.object()["error"] as? String == "proxy not found")
      #expect(try missing.object()["status"] as? Int == 404)
    }
  }

  @Test(
    "Creating bad proxies: 400 naming the field, 409 for a taken name, 500 when the port is taken")
  func createErrors() async throws {
    try await ControlFixture.with { fixture in
      let noName = try await fixture.client.post("/proxies", json: ["upstream": fixture.upstream])
      #expect(noName.status == 400)
      #expect(try noName.object()["error"] as? String == "missing required field: name")
      let noUpstream = try await fixture.client.post("/proxies", json: ["name": "x"])
      #expect(try noUpstream.object()["error"] as? String == "missing required field: upstream")
      let malformed = try await fixture.client.send(
        "POST", "/proxies", body: Data("{\"name\": ".utf8))
      #expect(malformed.status == 400)
      #expect(
        (try malformed.object()["error"] as? String)?.hasPrefix("bad request body: malformed JSON")
          == true)
      let wrongType = try await fixture.client.post(
        "/proxies", json: ["name": "x", "upstream": fixture.upstream, "enabled": "yes"])
      #expect(wrongType.status == 400)
      #expect((try wrongType.object()["error"] as? String)?.contains("enabled") == true)
      let badAddress = try await fixture.client.post(
        "/proxies", json: ["name": "x", "upstream": "nowhere"])
      #expect(badAddress.status == 400)
      #expect((try badAddress.object()["error"] as? String)?.contains("upstream") == true)
      let port = try await fixture.createProxy("taken")
      let duplicate = try await fixture.client.post(
        "/proxies", json: ["name": "taken", "upstream": fixture.upstream])
      #expect(duplicate.status == 409)
      #expect(try duplicate.object()["error"] as? String == "proxy already exists")
      let clash = try await fixture.client.post(
        "/proxies",
        json: ["name": "clash", "listen": "127.0.0.1:\(port)", "upstream": fixture.upstream])
      #expect(clash.status == 500)
      #expect(try await fixture.client.get("/proxies/x").status == 404)
      #expect(try await fixture.client.get("/proxies/clash").status == 404)
    }
  }

  @Test(
    "Disabling a proxy closes its listener and connections; enabling listens again on the same port"
  )
  func disableAndEnable() async throws {
    try await ControlFixture.with { fixture in
      let port = try await fixture.createProxy("db")
      let open = try BlockingSocket.connect(port: UInt16(port))
      defer { open.close() }
      _ = try echoRoundTrip(open)
      let disabled = try await fixture.client.post("/proxies/db", json: ["enabled": false])
      #expect(disabled.status == 200)
      #expect(try disabled.object()["enabled"] as? Bool == false)
      #expect(try open.receive().isEmpty, "the open connection is closed")
      #expect(throws: SocketError.failed("connect", ECONNREFUSED)) {
        try BlockingSocket.connect(port: UInt16(port)).close()
      }
      let enabled = try await fixture.client.patch("/proxies/db", json: ["enabled": true])
      #expect(try enabled.object()["enabled"] as? Bool == true)
      #expect(try enabled.object()["listen"] as? String == "127.0.0.1:\(port)")
      let again = try BlockingSocket.connect(port: UInt16(port))
      defer { again.close() }
      _ = try echoRoundTrip(again)
    }
  }

  @Test("Changing listen restarts the proxy on the new address with its toxics kept")
  func moveProxy() async throws {
    try await ControlFixture.with { fixture in
      let oldPort = try await fixture.createProxy("moving")
      _ = try await fixture.client.post(
        "/proxies/moving/toxics", json: ["type": "latency", "attributes": ["latency": 5]])
      let moved = try await fixture.client.patch("/proxies/moving", json: ["listen": "127.0.0.1:0"])
      #expect(moved.status == 200)
      let proxy = try moved.object()
      let listen = try #require(proxy["listen"] as? String)
      // Port 0 asks for any port: the proxy already has one, so it stays.
      #expect(listen == "127.0.0.1:\(oldPort)")
      let other = try await fixture.client.patch(
        "/proxies/moving", json: ["upstream": "localhost:\(fixture.echo.port)"])
      #expect(try other.object()["upstream"] as? String == "localhost:\(fixture.echo.port)")
      #expect((try other.object()["toxics"] as? [Any])?.count == 1)
      let missing = try await fixture.client.patch("/proxies/nope", json: ["enabled": false])
      #expect(missing.status == 404)
    }
  }

  @Test("DELETE /proxies/{name}: 204, then the port refuses and the name is unknown")
  func deleteProxy() async throws {
    try await ControlFixture.with { fixture in
      let port = try await fixture.createProxy("gone")
      let deleted = try await fixture.client.delete("/proxies/gone")
      #expect(deleted.status == 204)
      #expect(deleted.body.isEmpty)
      #expect(throws: SocketError.failed("connect", ECONNREFUSED)) {
        try BlockingSocket.connect(port: UInt16(port)).close()
      }
      let again = try await fixture.client.delete("/proxies/gone")
      #expect(again.status == 404)
      #expect(try again.object()["error"] as? String == "proxy not found")
    }
  }

  @Test("Every response carries X-Toxiproxy-Request-Id, errors included, and ids differ")
  func requestIDs() async throws {
    try await ControlFixture.with { fixture in
      let responses = [
        try await fixture.client.get("/proxies"), try await fixture.client.get("/proxies/none"),
        try await fixture.client.get("/version"),
        try await fixture.client.post("/reset", json: [:]),
      ]
      let ids = responses.compactMap { $0.headers["x-toxiproxy-request-id"] }
      #expect(ids.count == responses.count)
      #expect(Set(ids).count == ids.count)
      #expect(ids.allSatisfy { $0.count == 20 })
    }
  }
}
