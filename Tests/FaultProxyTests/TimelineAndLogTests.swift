import FaultProxy
import Foundation
import Testing

/// Profiles with timelines, and the event log, observed on a live proxy.
@Suite struct TimelineAndLogTests {
  @Test func phaseStartsAndEndsOnTime() async throws {
    let server = try makeEchoServer()
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    let socket = try proxy.connect()
    _ = try await roundTrip(socket, Array("warm".utf8))
    let profile = Profile(
      name: "spike", description: "test",
      timeline: [
        Profile.Phase(
          at: .milliseconds(300), duration: .milliseconds(400),
          faults: [
            FaultSpec(
              name: "spike", stream: .downstream, kind: .latency(.init(delay: .milliseconds(100))))
          ])
      ])
    let applied = ContinuousClock.now
    try await proxy.engine.applyProfile(profile, toProxy: "test")
    var slowSeenAt: Duration?
    var fastAgainAt: Duration?
    while ContinuousClock.now - applied < .seconds(3), fastAgainAt == nil {
      let sentAt = ContinuousClock.now - applied
      let rtt = try await roundTrip(socket, Array("tick".utf8))
      if rtt >= .milliseconds(100), slowSeenAt == nil { slowSeenAt = sentAt }
      if rtt < .milliseconds(50), slowSeenAt != nil, sentAt > .milliseconds(700) {
        fastAgainAt = sentAt
      }
    }
    // Round trips sample the timeline coarsely; the precise edge error is measured by the benchmark.
    let start = try #require(slowSeenAt)
    let end = try #require(fastAgainAt)
    #expect(start >= .milliseconds(200) && start <= .milliseconds(400), "phase began at \(start)")
    #expect(end >= .milliseconds(600) && end <= .milliseconds(1000), "phase ended at \(end)")
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
