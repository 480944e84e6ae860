import FaultProxy
import FaultlineTestSupport
import Foundation
import ProxyControl
import Testing

@Suite("Browsers, remote addresses and oversized bodies are refused")
struct SecurityTests {
  @Test("A browser User-Agent gets 403 as in Toxiproxy, and nothing changes")
  func browserRefused() async throws {
    try await ControlFixture.with { fixture in
      var browser = fixture.client
      browser.userAgent = "Mozilla/5.0 (X11; Linux x86_64)"
      let response = try await browser.post(
        "/proxies", json: ["name": "evil", "upstream": fixture.upstream])
      #expect(response.status == 403)
      #expect(response.text == "User agent not allowed\n")
      #expect(response.headers["x-toxiproxy-request-id"] != nil)
      #expect(try await fixture.client.get("/proxies/evil").status == 404)
    }
  }

  @Test("A cross-site Origin gets 403; the API's own origin is allowed")
  func crossSiteRefused() async throws {
    try await ControlFixture.with { fixture in
      let crossSite = try await fixture.client.send(
        "POST", "/reset", headers: ["Origin": "https://attacker.example"])
      #expect(crossSite.status == 403)
      #expect((try crossSite.object()["error"] as? String)?.contains("attacker.example") == true)
      let sameSite = try await fixture.client.send(
        "GET", "/version", headers: ["Origin": "http://127.0.0.1:\(fixture.client.port)"])
      #expect(sameSite.status == 200)
    }
  }

  @Test("A body over the limit gets 413 and is not applied")
  func bodyLimit() async throws {
    try await ControlFixture.with(bodyLimit: 1024) { fixture in
      let padding = String(repeating: "x", count: 2000)
      let response = try await fixture.client.post(
        "/proxies", json: ["name": "big", "upstream": fixture.upstream, "padding": padding])
      #expect(response.status == 413)
      #expect((try response.object()["error"] as? String)?.contains("1024") == true)
      #expect(try await fixture.client.get("/proxies/big").status == 404)
    }
  }

  @Test("A Content-Length over the limit gets 413 before a byte of the body is sent")
  func declaredBodyLimit() async throws {
    try await ControlFixture.with(bodyLimit: 1024) { fixture in
      let port = fixture.client.port
      let head = try await blocking { () -> String in
        let socket = try BlockingSocket.connect(port: UInt16(port))
        defer { socket.close() }
        socket.setTimeout(seconds: 10)
        try socket.send(
          Array(
            "POST /proxies HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n"
              .utf8))
        var received: [UInt8] = []
        while !String(decoding: received, as: UTF8.self).contains("\r\n\r\n") {
          let chunk = try socket.receive()
          if chunk.isEmpty { break }
          received += chunk
        }
        return String(decoding: received, as: UTF8.self)
      }
      #expect(head.hasPrefix("HTTP/1.1 413"), "\(head)")
      #expect(try await fixture.client.get("/proxies").status == 200, "the server carries on")
    }
  }

  @Test("A non-loopback address needs allowRemote")
  func remoteNeedsPermission() async throws {
    let engine = try ProxyEngine(configuration: EngineConfiguration(loopCount: 1))
    #expect(throws: ControlServerError.remoteNotAllowed(host: "0.0.0.0")) {
      _ = try ControlServer(engine: engine, host: "0.0.0.0", port: 0)
    }
    let allowed = try ControlServer(engine: engine, host: "0.0.0.0", port: 0, allowRemote: true)
    let port = try await allowed.start()
    #expect(port > 0)
    await allowed.stop()
    await engine.shutdown()
  }
}
