import FaultProxy
import Foundation
import Testing

/// Latency measured from outside: a client and an echo server on either side of the proxy.
@Suite struct LatencyFaultTests {
  @Test func steadyLatencyDelaysEveryRoundTrip() async throws {
    let server = try makeEchoServer()
    let latency = FaultSpec(stream: .downstream, kind: .latency(.init(delay: .milliseconds(20))))
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
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func jitterSpreadsRoundTripsAroundTheMean() async throws {
    let server = try makeEchoServer()
    let latency = FaultSpec(
      stream: .upstream, kind: .latency(.init(delay: .milliseconds(15), jitter: .milliseconds(10))))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [latency])
    let socket = try proxy.connect()
    var samples: [Double] = []
    for index in 0..<150 {
      samples.append(try await roundTrip(socket, Array("jitter \(index)".utf8)).milliseconds)
    }
    let median = samples.percentile(0.5)
    let interquartile = samples.percentile(0.75) - samples.percentile(0.25)
    // Uniform ±10 ms has an interquartile range of 10 ms; an unjittered link shows well under 1 ms.
    // Quantiles rather than mean and deviation, so rare stalls of a loaded machine do not decide.
    #expect(samples.min()! >= 5, "a round trip beat the minimum delay: \(samples.min()!) ms")
    #expect((12...20).contains(median), "median \(median) ms, expected about 15 ms")
    #expect(
      (6...14).contains(interquartile),
      "interquartile range \(interquartile) ms, expected about 10 ms")
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func orderIsKeptUnderJitter() async throws {
    let server = try makeEchoServer()
    let latency = FaultSpec(
      stream: .both,
      kind: .latency(
        .init(delay: .milliseconds(5), jitter: .milliseconds(5), distribution: .normal)))
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
          name: "slow", stream: .downstream, kind: .latency(.init(delay: .milliseconds(80))))
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
