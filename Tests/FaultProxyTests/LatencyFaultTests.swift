import FaultProxy
import FaultlineTestSupport
import Foundation
import Testing

/// Latency measured from outside: a client and an echo server on either side of the proxy.
@Suite struct LatencyFaultTests {
  @Test func steadyLatencyDelaysEveryRoundTrip() async throws {
    let server = try makeEchoServer()
    let latency = FaultSpec(stream: .downstream, kind: LatencyFault(delay: .milliseconds(20)))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [latency])
    let socket = try proxy.connect()
    var samples: [Double] = []
    for index in 0..<60 {
      samples.append(try await roundTrip(socket, Array("ping \(index)".utf8)).milliseconds)
    }
    let median = samples.percentile(0.5)
    #expect(
      samples.min()! >= 20, "a round trip took \(samples.min()!) ms, less than the 20 ms latency")
    // The median, not the mean: a loaded machine adds rare long stalls that say nothing about the fault.
    #expect(median < 30, "median round trip \(median) ms is far above the 20 ms latency")
    // Every held reply was released by a precise timer, which counted how late it ran.
    let timers = try await proxy.engine.timerLateness(reset: true)
    #expect(timers.count >= 60, "\(timers.count) timer actions for 60 delayed replies")
    #expect(timers.p50 <= timers.p99 && timers.p99 <= timers.max)
    // Lateness, not the delay itself: far below the 20 ms each reply was held, and measured at all.
    #expect(
      timers.max > 0 && timers.p50 < 10_000,
      "timers late p50 \(timers.p50) µs, max \(timers.max) µs")
    #expect(try await proxy.engine.timerLateness().count == 0, "reset starts a new count")
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func jitterSpreadsRoundTripsAroundTheMean() async throws {
    let server = try makeEchoServer()
    let latency = FaultSpec(
      stream: .upstream, kind: LatencyFault(delay: .milliseconds(15), jitter: .milliseconds(10)))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [latency])
    proxy.engine.eventLog.isEnabled = true
    let socket = try proxy.connect()
    var samples: [Double] = []
    for index in 0..<150 {
      samples.append(try await roundTrip(socket, Array("jitter \(index)".utf8)).milliseconds)
    }
    // What the fault decided: uniform 15 ± 10 ms has a median of 15 ms and an interquartile range of 10 ms.
    let decided = proxy.engine.eventLog.events().compactMap(\.value)
    #expect(decided.count == 150)
    #expect(
      (13...17).contains(decided.percentile(0.5)), "decided median \(decided.percentile(0.5)) ms")
    let decidedSpread = decided.percentile(0.75) - decided.percentile(0.25)
    #expect((8...12).contains(decidedSpread), "decided interquartile range \(decidedSpread) ms")
    #expect(decided.allSatisfy { $0 >= 5 && $0 <= 25.5 })
    // What a client sees: never faster than the shortest delay, and visibly spread. Upper bounds on
    // measured times are left to the benchmark, since a loaded machine only ever adds delay.
    let spread = samples.percentile(0.75) - samples.percentile(0.25)
    #expect(samples.min()! >= 5, "a round trip beat the minimum delay: \(samples.min()!) ms")
    #expect(samples.percentile(0.5) >= 12, "median round trip \(samples.percentile(0.5)) ms")
    #expect(spread >= 5, "round trips show no jitter: interquartile range \(spread) ms")
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func orderIsKeptUnderJitter() async throws {
    let server = try makeEchoServer()
    let latency = FaultSpec(
      stream: .both,
      kind: LatencyFault(delay: .milliseconds(5), jitter: .milliseconds(5), distribution: .normal))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [latency])
    let socket = try proxy.connect()
    let data = randomBytes(count: 400_000, seed: 99)
    async let sent: Void = blocking {
      for chunk in stride(from: 0, to: data.count, by: 3000) {
        try socket.send(Array(data[chunk..<min(chunk + 3000, data.count)]))
      }
    }
    let echoed = try await blocking { try socket.receive(exactly: data.count) }
    try await sent
    #expect(echoed == data)
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func addingAndRemovingLatencyAffectsLiveConnections() async throws {
    let server = try makeEchoServer()
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    let socket = try proxy.connect()
    let actions = { try proxy.engine.stats(named: "test").faultActions }
    _ = try await roundTrip(socket, Array("a".utf8))
    #expect(try actions() == 0)
    try await proxy.engine.setFaults(
      [
        FaultSpec(
          name: "slow", stream: .downstream, kind: LatencyFault(delay: .milliseconds(80)))
      ],
      forProxy: "test")
    let during = try await roundTrip(socket, Array("b".utf8)).milliseconds
    #expect(during >= 80, "the live connection escaped the new fault: \(during) ms")
    #expect(try actions() == 1)
    try await proxy.engine.setFaults([], forProxy: "test")
    _ = try await roundTrip(socket, Array("c".utf8))
    #expect(try actions() == 1, "the removed fault still acted on the live connection")
    socket.close()
    server.stop()
    await proxy.close()
  }
}

extension [Double] {
  /// The value below which `fraction` of the samples fall (nearest rank).
  func percentile(_ fraction: Double) -> Double {
    let sorted = self.sorted()
    return sorted[Swift.min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
  }
}
