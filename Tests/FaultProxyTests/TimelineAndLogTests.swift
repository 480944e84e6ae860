import ChildProcess
import FaultlineLocking
import FaultlineTestSupport
import Foundation
import Testing

@testable import FaultProxy

/// Profiles with timelines, and the event log, observed on a live proxy.
@Suite struct TimelineAndLogTests {
  @Test func phaseStartsAndEndsOnTime() async throws {
    let server = try makeEchoServer()
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    proxy.engine.eventLog.isEnabled = true
    let socket = try proxy.connect()
    _ = try await roundTrip(socket, Array("warm".utf8))
    let profile = latencyPhase(
      at: .milliseconds(300), for: .milliseconds(1200), delay: .milliseconds(100))
    // Traffic flows from before the profile is applied until well after its phase ended; each
    // round trip is recorded as (sent, received) on the proxy's own clock.
    let pinger = Task {
      try await blocking {
        var trips: [(sent: UInt64, received: UInt64)] = []
        let until = ContinuousClock.now + .seconds(4)
        while ContinuousClock.now < until {
          let sent = MonotonicClock.now()
          try socket.send(Array("tick".utf8))
          _ = try socket.receive(exactly: 4)
          trips.append((sent, MonotonicClock.now()))
        }
        return trips
      }
    }
    try await proxy.engine.applyProfile(profile, toProxy: "test")
    let trips = try await pinger.value
    // The edges are logged at the moments the plan sets, with how late their timers fired.
    let events = proxy.engine.eventLog.events()
    let origin = try #require(events.first { $0.action == "timeline_start" }?.time)
    let startEvent = try #require(events.first { $0.action == "phase_start" })
    let endEvent = try #require(events.first { $0.action == "phase_end" })
    let start = startEvent.time - origin
    let end = endEvent.time - origin
    #expect(abs(start - 300) < 0.01, "phase start logged at \(start) ms, expected 300 ms")
    #expect(abs(end - 1500) < 0.01, "phase end logged at \(end) ms, expected 1500 ms")
    // Generous bounds for a loaded machine; the benchmark measures the timers' real precision.
    for edge in [startEvent, endEvent] {
      let lateness = try #require(edge.value)
      #expect(lateness >= 0 && lateness < 250, "\(edge.action) timer fired \(lateness) ms late")
    }
    // The phase's fault acted on the live connection, and only on bytes that arrived during it,
    // however late a loop heard of the edge.
    let delays = events.filter { $0.action == "delay" }.map { $0.time - origin }
    // About twelve 100 ms round trips fit in the phase; a loaded machine runs the pinger less often.
    #expect(delays.count >= 2, "the phase's latency touched the connection \(delays.count) times")
    #expect(delays.allSatisfy { $0 >= start && $0 < end }, "delays outside the phase: \(delays)")
    // It acted from the phase's start to its end, not on a slice of it: an echo that left the
    // client after the phase began and came back before it ended crossed the proxy inside the
    // phase, so it was held for the whole delay. (When the pinger thread runs is up to the
    // scheduler; what it measured is not.)
    let clock = proxy.engine.context
    let inside = trips.map {
      (
        sent: clock.elapsedMilliseconds(at: $0.sent),
        received: clock.elapsedMilliseconds(at: $0.received)
      )
    }.filter { $0.sent >= startEvent.time && $0.received < endEvent.time }
    #expect(
      inside.allSatisfy { $0.received - $0.sent >= 99 },
      "round trips inside the phase that were not delayed: \(inside.filter { $0.received - $0.sent < 99 })"
    )
    socket.close()
    server.stop()
    await proxy.close()
  }

  /// The timer that announces an edge runs on the proxy's home loop; a connection on another loop
  /// must see the phase on time even while that loop is stuck.
  @Test func aPhaseReachesConnectionsOnTimeWhileTheHomeLoopIsBusy() async throws {
    let server = try makeEchoServer()
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, loops: 2)
    proxy.engine.eventLog.isEnabled = true
    // Accepted connections go round robin, so one of these two lives away from the home loop.
    let sockets = [try proxy.connect(), try proxy.connect()]
    for socket in sockets { _ = try await roundTrip(socket, Array("warm".utf8)) }
    let profile = latencyPhase(at: .milliseconds(1500), for: .seconds(30), delay: .milliseconds(5))
    // Both connections ping from before the timeline starts until after the home loop is free.
    let stopAt = Locked<UInt64>(.max)
    let roundTrips = Locked(0)
    let pingers = sockets.map { socket in
      Task {
        try await blocking {
          while MonotonicClock.now() < stopAt.withLock({ $0 }) {
            try socket.send(Array("tick".utf8))
            _ = try socket.receive(exactly: 4)
            roundTrips.withLock { $0 += 1 }
          }
        }
      }
    }
    try #require(await pollUntil { roundTrips.withLock { $0 } >= 10 })
    // The timeline starts on the home loop, which then stays busy until 1.5 s past the edge: only
    // the reads themselves can bring the phase to the other loop in time.
    let state = try proxy.engine.state(named: "test")
    let startedAt = Locked<UInt64>(0)
    proxy.engine.home(of: state).execute { worker in
      let start = ProxyEngine.startProfile(profile, of: state, on: worker)
      startedAt.withLock { $0 = start }
      while MonotonicClock.now() < start &+ 3_000_000_000 { usleep(1000) }
    }
    try #require(await pollUntil { startedAt.withLock { $0 } != 0 })
    let edge = startedAt.withLock { $0 } &+ 1_500_000_000
    let blockEnd = edge &+ 1_500_000_000
    stopAt.withLock { $0 = blockEnd &+ 300_000_000 }
    for pinger in pingers { try await pinger.value }
    let engine = proxy.engine.context
    let delays = engine.eventLog.events().filter { $0.action == "delay" }.map(\.time)
    let edgeTime = engine.elapsedMilliseconds(at: edge)
    let endTime = engine.elapsedMilliseconds(at: blockEnd)
    #expect(delays.allSatisfy { $0 >= edgeTime }, "bytes delayed before the phase began")
    #expect(
      delays.contains { $0 < endTime },
      "no byte was delayed while the home loop was busy: the phase waited for its timer")
    for socket in sockets { socket.close() }
    server.stop()
    await proxy.close()
  }

  @Test func eventLogWritesJSONLines() async throws {
    let server = try makeEchoServer()
    let proxy = try await ProxyFixture.start(
      upstreamPort: server.port,
      faults: [
        FaultSpec(name: "lag", stream: .upstream, kind: LatencyFault(delay: .milliseconds(5)))
      ])
    let directory = try ScratchDirectory.create(prefix: "faultline-events-test")
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("events.jsonl")
    try proxy.engine.eventLog.attachFile(file)
    let socket = try proxy.connect()
    _ = try await roundTrip(socket, Array("one".utf8))
    _ = try await roundTrip(socket, Array("two".utf8))
    proxy.engine.eventLog.closeFile()
    let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
    let events = try lines.map { try JSONDecoder().decode(FaultEvent.self, from: Data($0.utf8)) }
    try #require(events.count == 2)
    #expect(
      events.allSatisfy { $0.fault == "lag" && $0.action == "delay" && $0.direction == .upstream })
    #expect(events.map(\.bytes) == [3, 3])
    #expect(events[0].time <= events[1].time)
    socket.close()
    server.stop()
    await proxy.close()
  }
}

/// A profile whose only phase delays downstream bytes by `delay`.
private func latencyPhase(at start: Duration, for length: Duration, delay: Duration) -> Profile {
  Profile(
    name: "phase", description: "test",
    timeline: [
      Profile.Phase(
        at: start, duration: length,
        faults: [FaultSpec(name: "lag", stream: .downstream, kind: LatencyFault(delay: delay))])
    ])
}
