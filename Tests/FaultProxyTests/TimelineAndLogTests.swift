import FaultProxy
import Foundation
import Testing

/// Profiles with timelines, and the event log, observed on a live proxy.
@Suite struct TimelineAndLogTests {
  @Test func phaseStartsAndEndsOnTime() async throws {
    let server = try makeEchoServer()
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    proxy.engine.eventLog.isEnabled = true
    let socket = try proxy.connect()
    _ = try await roundTrip(socket, Array("warm".utf8))
    let profile = Profile(
      name: "spike", description: "test",
      timeline: [
        Profile.Phase(
          at: .milliseconds(300), duration: .milliseconds(1200),
          faults: [
            FaultSpec(
              name: "spike", stream: .downstream, kind: .latency(.init(delay: .milliseconds(100))))
          ])
      ])
    // Traffic flows from before the profile is applied until well after its phase ended.
    let pinger = Task {
      try await blocking {
        let until = ContinuousClock.now + .seconds(4)
        while ContinuousClock.now < until {
          try socket.send(Array("tick".utf8))
          _ = try socket.receive(exactly: 4)
        }
      }
    }
    try await proxy.engine.applyProfile(profile, toProxy: "test")
    try await pinger.value
    // The edges themselves, on the data plane's clock.
    let events = proxy.engine.eventLog.events()
    let origin = try #require(events.first { $0.action == "timeline_start" }?.time)
    let start = try #require(events.first { $0.action == "phase_start" }?.time) - origin
    let end = try #require(events.first { $0.action == "phase_end" }?.time) - origin
    // Generous bounds for a loaded machine; the benchmark measures the real precision.
    #expect(start >= 300 && start < 500, "phase started at \(start) ms, expected 300 ms")
    #expect(end >= 1500 && end < 1700, "phase ended at \(end) ms, expected 1500 ms")
    // The phase's fault acted on the live connection, and only while the phase ran.
    let delays = events.filter { $0.action == "delay" }.map { $0.time - origin }
    #expect(!delays.isEmpty, "the phase's latency never touched the connection")
    #expect(delays.allSatisfy { $0 >= start && $0 <= end }, "delays outside the phase: \(delays)")
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func eventLogWritesJSONLines() async throws {
    let server = try makeEchoServer()
    let proxy = try await ProxyFixture.start(
      upstreamPort: server.port,
      faults: [
        FaultSpec(name: "lag", stream: .upstream, kind: .latency(.init(delay: .milliseconds(5))))
      ])
    let file = FileManager.default.temporaryDirectory.appendingPathComponent(
      "faultline-events-\(UUID()).jsonl")
    defer { try? FileManager.default.removeItem(at: file) }
    try proxy.engine.eventLog.attachFile(file)
    let socket = try proxy.connect()
    _ = try await roundTrip(socket, Array("one".utf8))
    _ = try await roundTrip(socket, Array("two".utf8))
    proxy.engine.eventLog.closeFile()
    let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
    let events = try lines.map { try JSONDecoder().decode(FaultEvent.self, from: Data($0.utf8)) }
    #expect(events.count == 2)
    #expect(
      events.allSatisfy { $0.fault == "lag" && $0.action == "delay" && $0.direction == .upstream })
    #expect(events.map(\.bytes) == [3, 3])
    #expect(events[0].time <= events[1].time)
    socket.close()
    server.stop()
    await proxy.close()
  }
}
