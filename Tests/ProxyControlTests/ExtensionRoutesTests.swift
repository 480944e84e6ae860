import FaultlineTestSupport
import Foundation
import Testing

@Suite("Faultline's extension routes")
struct ExtensionRoutesTests {
  @Test("A YAML profile loaded onto a proxy replaces its toxics and sets the seed")
  func loadProfile() async throws {
    try await ControlFixture.with { fixture in
      try await fixture.createProxy("prof")
      _ = try await fixture.client.post("/proxies/prof/toxics", json: ["type": "noop"])
      let yaml = """
        name: test-profile
        description: our choice, for a test
        seed: 1234
        faults:
          - type: latency
            name: base
            latency: 20ms
            stream: downstream
          - type: loss
            rate: 1%
        """
      let response = try await fixture.client.send(
        "PUT", "/faultline/proxies/prof/profile", body: Data(yaml.utf8),
        headers: ["Content-Type": "application/yaml"])
      #expect(response.status == 200, "\(response.text)")
      let answer = try response.object()
      #expect(answer["profile"] as? String == "test-profile")
      #expect(answer["seed"] as? Int == 1234)
      let toxics = try await fixture.client.get("/proxies/prof/toxics").array()
      #expect(toxics.map { $0["name"] as? String } == ["base", "loss_both"])
      #expect((toxics[0]["attributes"] as? [String: Any])?["latency"] as? Int == 20)
      #expect(toxics[1]["stream"] as? String == "both")
      #expect(try await fixture.client.get("/faultline/seed").object()["seed"] as? Int == 1234)
    }
  }

  @Test("A bad profile gets 400 naming line and field; the proxy keeps its toxics")
  func badProfile() async throws {
    try await ControlFixture.with { fixture in
      try await fixture.createProxy("prof")
      _ = try await fixture.client.post(
        "/proxies/prof/toxics", json: ["type": "noop", "name": "kept"])
      let yaml = "name: bad\ndescription: x\nfaults:\n  - type: latency\n    latency: 20\n"
      let response = try await fixture.client.send(
        "PUT", "/faultline/proxies/prof/profile", body: Data(yaml.utf8))
      #expect(response.status == 400)
      let message = try response.object()["error"] as? String ?? ""
      #expect(message.contains("request body:5"), "\(message)")
      #expect(message.contains("latency"), "\(message)")
      #expect(
        try await fixture.client.get("/proxies/prof/toxics").array().map { $0["name"] as? String }
          == ["kept"])
      let missing = try await fixture.client.send(
        "PUT", "/faultline/proxies/none/profile", body: Data(yaml.utf8))
      #expect(missing.status == 404)
    }
  }

  @Test("The seed can be set as a number or a hex string, and bad seeds are refused")
  func seed() async throws {
    try await ControlFixture.with { fixture in
      #expect(try await fixture.client.get("/faultline/seed").object()["seed"] as? Int == 42)
      let set = try await fixture.client.send(
        "PUT", "/faultline/seed", body: Data("{\"seed\": 7}".utf8))
      #expect(set.status == 200)
      #expect(fixture.engine.seed == 7)
      let hex = try await fixture.client.post(
        "/faultline/seed", json: ["seed": "0xFFFFFFFFFFFFFFFF"])
      #expect(hex.status == 200)
      #expect(fixture.engine.seed == UInt64.max)
      let bad = try await fixture.client.post("/faultline/seed", json: ["seed": -1])
      #expect(bad.status == 400)
      #expect(fixture.engine.seed == UInt64.max)
    }
  }

  @Test("The event log records fault decisions per proxy once recording is on")
  func events() async throws {
    try await ControlFixture.with { fixture in
      let port = try await fixture.createProxy("ev")
      let on = try await fixture.client.post("/faultline/events", json: ["recording": true])
      #expect(on.status == 200)
      _ = try await fixture.client.post(
        "/proxies/ev/toxics",
        json: ["type": "latency", "name": "lag", "attributes": ["latency": 1]])
      let socket = try BlockingSocket.connect(port: UInt16(port))
      defer { socket.close() }
      _ = try echoRoundTrip(socket)
      var events: [[String: Any]] = []
      let recorded = try await pollUntil {
        let answer = try await fixture.client.get("/faultline/proxies/ev/events").object()
        events = answer["events"] as? [[String: Any]] ?? []
        return answer["recording"] as? Bool == true && !events.isEmpty
      }
      #expect(recorded)
      #expect(
        events.allSatisfy { $0["proxy"] as? String == "ev" && $0["fault"] as? String == "lag" })
      #expect(try await fixture.client.delete("/faultline/events").status == 204)
      #expect(try await fixture.client.get("/faultline/proxies/nope/events").status == 404)
      let stats = try await fixture.client.get("/faultline/proxies/ev/stats").object()
      #expect(stats["connections_total"] as? Int == 1)
      #expect((stats["active_faults"] as? [Any])?.count == 1)
    }
  }
}
