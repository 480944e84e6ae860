import FaultProfiles
import FaultProxy
import Foundation
import Testing

@testable import ProxyControl

/// The profile parser and the Toxiproxy codec are both derived from the fault definitions; these
/// tests hold them to it: every fault type's example goes YAML → spec → Toxiproxy JSON (through a
/// real control server) → spec and comes back equal, and the two forms require the same fields.
@Suite("Every fault type round-trips between profiles and the API")
struct FaultRoundTripTests {
  @Test("YAML → spec → Toxiproxy JSON → spec gives the same fault", arguments: FaultCatalog.names)
  func roundTrip(type: String) async throws {
    let faultType = try #require(FaultCatalog.type(named: type))
    // Toxiproxy's own types take one direction over the API; ours take both.
    let stream: StreamSelector = faultType.origin == .toxiproxy ? .upstream : .both
    let spec = FaultSpec(
      name: "rt-\(type)", stream: stream, toxicity: 0.75, kind: faultType.example)
    let yaml = FaultYAML.profile(name: "round-trip", description: "round trip", faults: [spec])
    let parsed = try ProfileLoader.parse(yaml: yaml, file: "round-trip.yaml").faults
    #expect(parsed == [spec], "\(yaml)")

    try await ControlFixture.with { fixture in
      try await fixture.createProxy("p")
      let body = try JSONEncoder().encode(ToxicRepresentation(try #require(parsed.first)))
      let created = try await fixture.client.send("POST", "/proxies/p/toxics", body: body)
      #expect(created.status == 200, "\(created.text)")
      let shown = try await fixture.client.get("/proxies/p/toxics/rt-\(type)")
      let json = try JSONDecoder().decode(JSONValue.self, from: shown.body)
      #expect(try ToxicRequest.create(from: json) == spec, "\(shown.text)")
      #expect(try fixture.engine.faults(forProxy: "p") == [spec])
    }
  }

  @Test("each example sets its fields away from their defaults", arguments: FaultCatalog.names)
  func examplesDiffer(type: String) throws {
    let faultType = try #require(FaultCatalog.type(named: type))
    guard !faultType.fields.isEmpty else { return }
    #expect(!faultType.example.isSame(as: faultType.defaults))
    let defaults = Dictionary(
      uniqueKeysWithValues: faultType.defaults.profileFields.map { ($0.name, $0.text) })
    let changed = faultType.example.profileFields.filter { defaults[$0.name] != $0.text }
    // Most fields change in the example, so a field that reads or writes the wrong property shows.
    #expect(changed.count * 2 >= faultType.example.profileFields.count, "\(changed)")
  }

  @Test(
    "profiles and the API require the same fields, but Toxiproxy's zeros",
    arguments: FaultCatalog.names)
  func requirementsAgree(type: String) throws {
    let faultType = try #require(FaultCatalog.type(named: type))
    let missing = { (form: FaultForm) -> [String] in
      switch faultType.decode([:], form: form) {
      case .success: []
      case .failure(let failure): failure.errors.map { $0.field ?? "" }.sorted()
      }
    }
    let inProfiles = missing(.profile)
    let overAPI = missing(.api)
    if faultType.origin == .faultline {
      #expect(inProfiles == overAPI)
    } else {
      #expect(Set(overAPI).isSubset(of: inProfiles))
    }
  }

  @Test("an unknown field is refused in both forms, naming the field")
  func unknownFields() throws {
    let latency = try #require(FaultCatalog.type(named: "latency"))
    #expect(throws: ControlError.self) {
      try ToxicCodec.decode(type: "latency", attributes: ["latncy": .number(5)])
    }
    #expect(!latency.fieldNames.contains("latncy"))
    #expect(throws: ProfileError.self) {
      try ProfileLoader.parse(
        yaml: "name: x\ndescription: y\nfaults:\n  - type: latency\n    latncy: 5ms\n",
        file: "x.yaml")
    }
  }
}

extension Fault {
  /// Equality with a fault seen through `any Fault`.
  fileprivate func isSame(as other: any Fault) -> Bool { (other as? Self) == self }
}
