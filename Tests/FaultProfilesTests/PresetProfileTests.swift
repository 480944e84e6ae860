import FaultProfiles
import FaultProxy
import Foundation
import Testing

@Suite("Preset profiles in profiles/")
struct PresetProfileTests {
  static let presetFiles: [URL] =
    (try? RepositoryPaths.yamlFiles(in: RepositoryPaths.profiles)) ?? []

  static func load(_ name: String) throws -> Profile {
    try ProfileLoader.load(
      contentsOf: RepositoryPaths.profiles.appendingPathComponent("\(name).yaml").path)
  }

  @Test("there are at least 14 presets, including every required one")
  func presetSet() {
    let names = Set(Self.presetFiles.map { $0.deletingPathExtension().lastPathComponent })
    let required: Set = [
      "lan", "wifi-good", "wifi-flaky", "4g", "3g", "slow-3g", "edge", "satellite", "lossy-2pct",
      "jepsen-default", "half-open-at-10s", "reset-storm", "server-blackout-5s", "latency-spike",
      "dsl",
      "dial-up",
    ]
    #expect(names.count >= 14)
    #expect(required.subtracting(names).isEmpty, "missing: \(required.subtracting(names).sorted())")
  }

  @Test("every preset loads, is named after its file and cites its source", arguments: presetFiles)
  func presetLoads(_ file: URL) throws {
    let profile = try ProfileLoader.load(contentsOf: file.path)
    #expect(profile.name == file.deletingPathExtension().lastPathComponent)
    let citesSource =
      profile.description.contains("network-presets.md")
      || profile.description.contains("our choice")
      || profile.description.contains("our own choice")
    #expect(citesSource, "\(profile.name): description must say where its numbers come from")
    #expect(!profile.faults.isEmpty || !profile.timeline.isEmpty)
  }

  @Test("4g follows Chrome Fast 4G: rates on the right streams, half the latency each way")
  func fourG() throws {
    let profile = try Self.load("4g")
    let byName = Dictionary(uniqueKeysWithValues: profile.faults.map { ($0.name, $0) })
    let down = try #require(byName["bandwidth_downstream"])
    let up = try #require(byName["bandwidth_upstream"])
    #expect(down.stream == .downstream)
    #expect(down.kind as? BandwidthFault == BandwidthFault(bytesPerSecond: 8_100_000 / 8))
    #expect(up.kind as? BandwidthFault == BandwidthFault(bytesPerSecond: 1_350_000 / 8))
    #expect(
      byName["latency_both"]?.kind as? LatencyFault == LatencyFault(delay: .microseconds(82_500)))
  }

  @Test("wifi-flaky uses Gilbert-Elliott loss averaging Comcast's 0.2 %")
  func wifiFlaky() throws {
    let profile = try Self.load("wifi-flaky")
    let loss = try #require(
      profile.faults.compactMap { fault -> LossFault? in
        fault.kind as? LossFault
      }.first)
    #expect(loss == .gilbertElliott(p: 0.0005, r: 0.25, lossInBad: 1, lossInGood: 0))
    #expect(abs(loss.steadyStateRate - 0.002) < 0.0001)
  }

  @Test("jepsen-default is 50 ms ± 10 ms normal with 25 % correlation")
  func jepsen() throws {
    let profile = try Self.load("jepsen-default")
    #expect(
      profile.faults.map { $0.kind as? LatencyFault } == [
        LatencyFault(
          delay: .milliseconds(50), jitter: .milliseconds(10), distribution: .normal,
          correlation: 0.25)
      ])
  }

  @Test("server-blackout-5s is one 5 s phase starting at 5 s")
  func blackout() throws {
    let profile = try Self.load("server-blackout-5s")
    #expect(profile.faults.isEmpty)
    let phase = try #require(profile.timeline.first)
    #expect(profile.timeline.count == 1)
    #expect(phase.at == .seconds(5))
    #expect(phase.duration == .seconds(5))
    #expect(phase.faults.map(\.kind.typeName) == ["half_open", "refuse"])
    #expect(phase.faults.last?.kind as? RefuseFault == RefuseFault(mode: .blackhole))
  }
}

@Suite("The fault reference")
struct FaultReferenceTests {
  @Test("docs/faults.md is what the fault definitions generate")
  func docsAreCurrent() throws {
    let path = RepositoryPaths.root.appendingPathComponent("docs/faults.md")
    let written = try String(contentsOf: path, encoding: .utf8)
    #expect(
      written == FaultCatalogDocs.markdown(),
      "docs/faults.md is stale: run `swift run faultline profile faults --markdown > docs/faults.md`"
    )
  }

  @Test("every fault type is listed, with each of its fields")
  func listing() {
    let listing = FaultCatalogDocs.listing()
    for type in FaultCatalog.all {
      #expect(listing.contains("\(type.name) ("))
      for field in type.fields { #expect(listing.contains("    \(field.name): ")) }
    }
  }
}
