import Foundation
import Testing

@Suite("Toxic routes answer as Toxiproxy does")
struct ToxicRoutesTests {
  @Test(
    "POST a toxic: 200 with Toxiproxy's defaults (downstream, toxicity 1, TYPE_STREAM) and every attribute"
  )
  func createWithDefaults() async throws {
    try await ControlFixture.with { fixture in
      try await fixture.createProxy("api")
      let created = try await fixture.client.post(
        "/proxies/api/toxics", json: ["type": "latency", "attributes": ["latency": 150]])
      #expect(created.status == 200)
      let toxic = try created.object()
      #expect(toxic["name"] as? String == "latency_downstream")
      #expect(toxic["type"] as? String == "latency")
      #expect(toxic["stream"] as? String == "downstream")
      #expect(toxic["toxicity"] as? Double == 1)
      let attributes = try #require(toxic["attributes"] as? [String: Any])
      #expect(attributes["latency"] as? Int == 150)
      #expect(attributes["jitter"] as? Int == 0)
      let list = try await fixture.client.get("/proxies/api/toxics")
      #expect(list.status == 200)
      #expect(try list.array().map { $0["name"] as? String } == ["latency_downstream"])
      let shown = try await fixture.client.get("/proxies/api/toxics/latency_downstream")
      #expect(shown.status == 200)
      #expect(try shown.object()["type"] as? String == "latency")
      let proxy = try await fixture.client.get("/proxies/api").object()
      #expect((proxy["toxics"] as? [Any])?.count == 1)
    }
  }

  @Test(
    "GET returns exactly what was POSTed, for every type",
    arguments: [
      ("latency", ["latency": 100, "jitter": 20, "distribution": "normal", "correlation": 0.25]),
      ("bandwidth", ["rate": 250, "proxy_rate": 1000.5]),
      ("slow_close", ["delay": 300]),
      ("timeout", ["timeout": 1500]),
      ("reset_peer", ["timeout": 200]),
      ("slicer", ["average_size": 64, "size_variation": 16, "delay": 250]),
      ("limit_data", ["bytes": 4096]),
      ("noop", [:]),
      (
        "loss",
        [
          "rate": 0.02, "correlation": 0.5, "model": "independent", "mode": "discard", "rto": 300,
          "segment_size": 1000, "congestion": "reno",
        ]
      ),
      (
        "loss",
        [
          "model": "gilbert-elliott", "p": 0.01, "r": 0.3, "loss_in_bad": 0.9,
          "loss_in_good": 0.001, "mode": "retransmit", "rto": 200, "segment_size": 1448,
          "congestion": "none",
        ]
      ),
      ("half_open", ["after": 100, "duration": 2500, "reads": "discard", "side": "upstream"]),
      ("half_close", [:]),
      ("reset", ["after": 50, "after_bytes": 1000, "probability": 0.5, "side": "client"]),
      ("refuse", ["mode": "reset"]),
      ("refuse", ["mode": "blackhole"]),
      ("connect_delay", ["delay": 750, "never": false]),
    ] as [(String, [String: any Sendable])])
  func roundTrip(type: String, attributes: [String: any Sendable]) async throws {
    try await ControlFixture.with { fixture in
      try await fixture.createProxy("p")
      let posted = try await fixture.client.post(
        "/proxies/p/toxics",
        json: [
          "name": "t", "type": type, "stream": "upstream", "toxicity": 0.75,
          "attributes": attributes,
        ])
      #expect(posted.status == 200, "\(posted.text)")
      let shown = try await fixture.client.get("/proxies/p/toxics/t").object()
      #expect(shown["type"] as? String == type)
      #expect(shown["stream"] as? String == "upstream")
      #expect(shown["toxicity"] as? Double == 0.75)
      let echoed = try #require(shown["attributes"] as? [String: Any])
      for (key, value) in attributes {
        if let flag = value as? Bool {
          #expect(echoed[key] as? Bool == flag, "attribute \(key)")
        } else {
          #expect("\(echoed[key] ?? "missing")" == "\(value)", "attribute \(key)")
        }
      }
    }
  }

  @Test("Stream is case-insensitive; both is refused for Toxiproxy's types and accepted for ours")
  func streams() async throws {
    try await ControlFixture.with { fixture in
      try await fixture.createProxy("s")
      let upper = try await fixture.client.post(
        "/proxies/s/toxics", json: ["type": "noop", "stream": "UpStream"])
      #expect(try upper.object()["stream"] as? String == "upstream")
      #expect(try upper.object()["name"] as? String == "noop_upstream")
      let both = try await fixture.client.post(
        "/proxies/s/toxics", json: ["type": "latency", "stream": "both"])
      #expect(both.status == 400)
      #expect((try both.object()["error"] as? String)?.hasPrefix("stream was invalid") == true)
      let ours = try await fixture.client.post(
        "/proxies/s/toxics", json: ["type": "half_close", "stream": "both"])
      #expect(ours.status == 200)
      #expect(try ours.object()["name"] as? String == "half_close_both")
    }
  }

  @Test("Bad toxics get 400 naming the field, and nothing is added")
  func badToxics() async throws {
    try await ControlFixture.with { fixture in
      try await fixture.createProxy("b")
      let cases: [([String: Any], String)] = [
        (["type": "lag"], "invalid toxic type"),
        ([:], "missing required field: type"),
        (["type": "latency", "toxicity": 1.5], "toxicity"),
        (["type": "latency", "attributes": ["latency": -1]], "attributes.latency"),
        (["type": "latency", "attributes": ["latncy": 5]], "attributes.latncy: unknown field"),
        (["type": "latency", "attributes": ["latency": "5ms"]], "attributes.latency"),
        (
          ["type": "slicer", "attributes": ["average_size": 10, "size_variation": 10]],
          "attributes.size_variation"
        ),
        (["type": "loss", "attributes": ["rate": 2]], "attributes.rate"),
        (["type": "reset", "attributes": [:]], "attributes.after"),
        (["type": "half_open", "attributes": ["reads": "maybe"]], "attributes.reads"),
        (["type": "latency", "attributes": [1, 2]], "attributes"),
      ]
      for (body, expected) in cases {
        let response = try await fixture.client.post("/proxies/b/toxics", json: body)
        #expect(response.status == 400, "\(body)")
        let message = try response.object()["error"] as? String ?? ""
        #expect(message.contains(expected), "\(body): \(message)")
      }
      let notJSON = try await fixture.client.send(
        "POST", "/proxies/b/toxics", body: Data("latency".utf8))
      #expect(notJSON.status == 400)
      #expect(try await fixture.client.get("/proxies/b/toxics").array().isEmpty)
    }
  }

  @Test("Duplicates 409; unknown proxy or toxic 404")
  func conflictsAndMissing() async throws {
    try await ControlFixture.with { fixture in
      try await fixture.createProxy("c")
      let first = try await fixture.client.post(
        "/proxies/c/toxics", json: ["type": "latency", "name": "slow"])
      #expect(first.status == 200)
      let second = try await fixture.client.post(
        "/proxies/c/toxics", json: ["type": "bandwidth", "name": "slow"])
      #expect(second.status == 409)
      #expect(try second.object()["error"] as? String == "toxic already exists")
      #expect(
        try await fixture.client.get("/proxies/c/toxics/slow").object()["type"] as? String
          == "latency")
      let noProxy = try await fixture.client.post("/proxies/zz/toxics", json: ["type": "latency"])
      #expect(noProxy.status == 404)
      #expect(try noProxy.object()["error"] as? String == "proxy not found")
      #expect(try await fixture.client.get("/proxies/zz/toxics").status == 404)
      let noToxic = try await fixture.client.get("/proxies/c/toxics/fast")
      #expect(noToxic.status == 404)
      #expect(try noToxic.object()["error"] as? String == "toxic not found")
      #expect(
        try await fixture.client.patch("/proxies/c/toxics/fast", json: ["toxicity": 0.5]).status
          == 404)
      #expect(try await fixture.client.delete("/proxies/c/toxics/fast").status == 404)
    }
  }

  @Test("Updating merges attributes and may change toxicity; a bad update changes nothing")
  func update() async throws {
    try await ControlFixture.with { fixture in
      try await fixture.createProxy("u")
      _ = try await fixture.client.post(
        "/proxies/u/toxics",
        json: ["type": "latency", "name": "lag", "attributes": ["latency": 100, "jitter": 10]])
      let patched = try await fixture.client.patch(
        "/proxies/u/toxics/lag", json: ["attributes": ["latency": 300]])
      #expect(patched.status == 200)
      let attributes = try #require(try patched.object()["attributes"] as? [String: Any])
      #expect(attributes["latency"] as? Int == 300)
      #expect(attributes["jitter"] as? Int == 10)
      let posted = try await fixture.client.post("/proxies/u/toxics/lag", json: ["toxicity": 0.5])
      #expect(try posted.object()["toxicity"] as? Double == 0.5)
      let bad = try await fixture.client.patch(
        "/proxies/u/toxics/lag", json: ["attributes": ["jitter": -5]])
      #expect(bad.status == 400)
      let after = try await fixture.client.get("/proxies/u/toxics/lag").object()
      #expect(after["toxicity"] as? Double == 0.5)
      #expect((after["attributes"] as? [String: Any])?["jitter"] as? Int == 10)
      _ = try await fixture.client.post(
        "/proxies/u/toxics", json: ["type": "reset_peer", "name": "rp"])
      let resetPeer = try await fixture.client.patch(
        "/proxies/u/toxics/rp", json: ["attributes": ["timeout": 40]])
      #expect(try resetPeer.object()["type"] as? String == "reset_peer")
      #expect((try resetPeer.object()["attributes"] as? [String: Any])?["timeout"] as? Int == 40)
    }
  }

  @Test("DELETE a toxic: 204 and it is gone")
  func deleteToxic() async throws {
    try await ControlFixture.with { fixture in
      try await fixture.createProxy("d")
      _ = try await fixture.client.post("/proxies/d/toxics", json: ["type": "noop", "name": "a"])
      _ = try await fixture.client.post("/proxies/d/toxics", json: ["type": "noop", "name": "b"])
      let deleted = try await fixture.client.delete("/proxies/d/toxics/a")
      #expect(deleted.status == 204)
      #expect(
        try await fixture.client.get("/proxies/d/toxics").array().map { $0["name"] as? String } == [
          "b"
        ])
    }
  }
}
