import FaultlineTestSupport
import Foundation
import Testing

@Suite("populate, reset, version and metrics")
struct ServerRoutesTests {
  @Test("GET /version answers Toxiproxy's shape with our suffix")
  func version() async throws {
    try await ControlFixture.with { fixture in
      let response = try await fixture.client.get("/version")
      #expect(response.status == 200)
      #expect(response.headers["content-type"] == "application/json;charset=utf-8")
      #expect(response.text == "{\"version\": \"2.12.0-faultline\"}\n")
    }
  }

  @Test("POST /reset: 204, every toxic removed, every proxy enabled")
  func reset() async throws {
    try await ControlFixture.with { fixture in
      let port = try await fixture.createProxy("r1")
      try await fixture.createProxy("r2", enabled: false)
      _ = try await fixture.client.post("/proxies/r1/toxics", json: ["type": "latency"])
      _ = try await fixture.client.post("/proxies/r2/toxics", json: ["type": "timeout"])
      let response = try await fixture.client.send("POST", "/reset")
      #expect(response.status == 204)
      let proxies = try await fixture.client.get("/proxies").object()
      for name in ["r1", "r2"] {
        let proxy = try #require(proxies[name] as? [String: Any])
        #expect(proxy["enabled"] as? Bool == true)
        #expect((proxy["toxics"] as? [Any])?.isEmpty == true)
      }
      let socket = try BlockingSocket.connect(port: UInt16(port))
      defer { socket.close() }
      _ = try echoRoundTrip(socket)
    }
  }

  @Test("POST /populate: 201 with the proxies; same addresses kept, different ones replaced")
  func populate() async throws {
    try await ControlFixture.with { fixture in
      let keptPort = try await fixture.createProxy("kept")
      _ = try await fixture.client.post("/proxies/kept/toxics", json: ["type": "noop"])
      let body: [[String: Any]] = [
        ["name": "kept", "listen": "127.0.0.1:0", "upstream": fixture.upstream],
        ["name": "fresh", "listen": "127.0.0.1:0", "upstream": fixture.upstream, "enabled": false],
      ]
      let response = try await fixture.client.post("/populate", json: body)
      #expect(response.status == 201)
      let proxies = try #require(try response.object()["proxies"] as? [[String: Any]])
      #expect(proxies.map { $0["name"] as? String } == ["kept", "fresh"])
      #expect(proxies[0]["listen"] as? String == "127.0.0.1:\(keptPort)")
      #expect((proxies[0]["toxics"] as? [Any])?.count == 1, "a kept proxy keeps its toxics")
      #expect(proxies[1]["enabled"] as? Bool == false)
      let moved = try await fixture.client.post(
        "/populate", json: [["name": "kept", "upstream": "localhost:\(fixture.echo.port)"]])
      #expect(moved.status == 201)
      let replaced = try #require((try moved.object()["proxies"] as? [[String: Any]])?.first)
      #expect((replaced["toxics"] as? [Any])?.isEmpty == true, "a replaced proxy starts afresh")
    }
  }

  @Test("A bad /populate names the entry and changes nothing")
  func populateErrors() async throws {
    try await ControlFixture.with { fixture in
      let missing = try await fixture.client.post(
        "/populate", json: [["name": "a", "upstream": fixture.upstream], ["name": "b"]])
      #expect(missing.status == 400)
      #expect(
        try missing.object()["error"] as? String == "missing required field: upstream at proxy 2")
      let duplicate = try await fixture.client.post(
        "/populate",
        json: [
          ["name": "a", "upstream": fixture.upstream], ["name": "a", "upstream": fixture.upstream],
        ])
      #expect(duplicate.status == 400)
      #expect(
        (try duplicate.object()["error"] as? String)?.contains("duplicate proxy name \"a\"") == true
      )
      let notList = try await fixture.client.post("/populate", json: ["name": "a"])
      #expect(notList.status == 400)
      #expect(try await fixture.client.get("/proxies").object().isEmpty)
    }
  }

  @Test("A /populate that fails half-way (a port taken) undoes what it did")
  func populateRollback() async throws {
    try await ControlFixture.with { fixture in
      let takenPort = try await fixture.createProxy("holder")
      try await fixture.createProxy("replaced")
      _ = try await fixture.client.post(
        "/proxies/replaced/toxics", json: ["type": "noop", "name": "kept"])
      let body: [[String: Any]] = [
        ["name": "new", "upstream": fixture.upstream],
        ["name": "replaced", "upstream": "localhost:\(fixture.echo.port)"],
        ["name": "clash", "listen": "127.0.0.1:\(takenPort)", "upstream": fixture.upstream],
      ]
      let response = try await fixture.client.post("/populate", json: body)
      #expect(response.status == 500)
      #expect((try response.object()["error"] as? String)?.contains("\(takenPort)") == true)
      let proxies = try await fixture.client.get("/proxies").object()
      #expect(Set(proxies.keys) == ["holder", "replaced"])
      let replaced = try #require(proxies["replaced"] as? [String: Any])
      #expect(replaced["upstream"] as? String == fixture.upstream)
      #expect((replaced["toxics"] as? [[String: Any]])?.first?["name"] as? String == "kept")
    }
  }

  @Test("Unknown routes answer 404 in the API's error shape")
  func unknownRoute() async throws {
    try await ControlFixture.with { fixture in
      let response = try await fixture.client.get("/nothing/here")
      #expect(response.status == 404)
      #expect(try response.object()["status"] as? Int == 404)
    }
  }

  @Test("GET /metrics: Toxiproxy's byte counters with its labels, and ours, counting real traffic")
  func metrics() async throws {
    try await ControlFixture.with { fixture in
      let port = try await fixture.createProxy("m")
      let socket = try BlockingSocket.connect(port: UInt16(port))
      defer { socket.close() }
      _ = try echoRoundTrip(socket, [UInt8](repeating: 7, count: 1000))
      let labels = "listener=\"127.0.0.1:\(port)\",proxy=\"m\",upstream=\"\(fixture.upstream)\""
      let expected = [
        "toxiproxy_proxy_received_bytes_total{direction=\"upstream\",\(labels)} 1000",
        "toxiproxy_proxy_sent_bytes_total{direction=\"upstream\",\(labels)} 1000",
        "toxiproxy_proxy_received_bytes_total{direction=\"downstream\",\(labels)} 1000",
        "toxiproxy_proxy_sent_bytes_total{direction=\"downstream\",\(labels)} 1000",
        "faultline_proxy_connections_total{\(labels)} 1",
      ]
      var text = ""
      let counted = try await pollUntil {
        let response = try await fixture.client.get("/metrics")
        text = response.text
        return response.status == 200 && expected.allSatisfy { text.contains($0) }
      }
      #expect(counted, "metrics were:\n\(text)")
      for family in [
        "faultline_proxy_fault_actions_total", "faultline_proxy_resets_sent_total",
        "faultline_proxy_connections_open",
      ] {
        #expect(text.contains("# TYPE \(family) "))
      }
    }
  }
}
