import FaultProxy
import FaultlineTestSupport
import Foundation
import Testing

/// Loss as an application behind TCP sees it (stalls, nothing missing) and as corruption (bytes gone).
/// The kernel comparison lives in Benchmarks/loss-bench.sh; these check the model's recovery paths.
@Suite struct LossFaultTests {
  /// A server that sends `size` seeded random bytes to each client, then its FIN.
  static func sendingServer(size: Int, seed: UInt64) throws -> TestServer {
    try TestServer { socket in
      try? socket.send(randomBytes(count: size, seed: seed))
      socket.shutdownWrite()
    }
  }

  @Test func retransmitModeStallsButLosesNothing() async throws {
    let size = 300_000
    let server = try Self.sendingServer(size: size, seed: 31)
    let loss = FaultSpec(stream: .downstream, kind: LossFault(rate: 0.05))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [loss], seed: 7)
    proxy.engine.eventLog.isEnabled = true
    let socket = try proxy.connect()
    let started = ContinuousClock.now
    let received = try await blocking { try socket.receiveAll() }
    let elapsed = (ContinuousClock.now - started).milliseconds
    #expect(
      received == randomBytes(count: size, seed: 31),
      "retransmit-mode loss must not change the bytes")
    let stalls = proxy.engine.eventLog.events().filter { $0.action == "stall" }
    // 300 kB is about 207 packets; at 5 % about ten are lost. Most have packets behind them, so a
    // fast retransmit recovers them within a round trip; the stream still waits for each.
    #expect(!stalls.isEmpty)
    #expect(stalls.allSatisfy { ($0.value ?? -1) >= 0 })
    #expect(
      elapsed >= stalls.compactMap(\.value).max() ?? 0,
      "the stream should wait for its longest stall, took \(elapsed) ms")
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func aLoneLostRequestWaitsAboutTheRoundTripPlus200Milliseconds() async throws {
    let server = try makeEchoServer()
    let latency = FaultSpec(kind: LatencyFault(delay: .milliseconds(20)))
    let loss = FaultSpec(stream: .upstream, kind: LossFault(rate: 0.25))
    let proxy = try await ProxyFixture.start(
      upstreamPort: server.port, faults: [latency, loss], seed: 5)
    proxy.engine.eventLog.isEnabled = true
    let socket = try proxy.connect()
    var times: [Double] = []
    var offsets: [UInt64] = []
    var offset: UInt64 = 0
    for index in 0..<16 {
      let request = Array("request \(index)".utf8)
      offsets.append(offset)
      offset += UInt64(request.count)
      times.append(try await roundTrip(socket, request).milliseconds)
    }
    let stalls = proxy.engine.eventLog.events().filter { $0.action == "stall" }
    // Nothing else is in flight, so only the retransmission timeout recovers a request: the round
    // trip (40 ms) + rto_min (200 ms) + one to three 4 ms ticks (Linux's tail loss probe, due then);
    // when that copy is lost too, the timeout follows one timeout later, and only then doubles.
    // The exchange of each lost request waits that long on top of its round trip.
    #expect(!stalls.isEmpty)
    for stall in stalls {
      let value = stall.value ?? 0
      #expect(
        (244...253).contains(value) || (488...510).contains(value) || value >= 4 * 244,
        "stall \(value) ms")
      let index = try #require(offsets.firstIndex(of: stall.offset ?? .max))
      #expect(
        times[index] >= value + 35 && times[index] < value + 40 + 3_000,
        "request \(index) stalled \(value) ms, its exchange took \(times[index]) ms")
    }
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func aLostSegmentWithOthersBehindItCostsAboutOneRoundTrip() async throws {
    let size = 1448 * 150
    let server = try Self.sendingServer(size: size, seed: 61)
    let latency = FaultSpec(kind: LatencyFault(delay: .milliseconds(50)))
    let loss = FaultSpec(
      stream: .downstream, kind: LossFault(rate: 0.05, congestion: .none))
    let proxy = try await ProxyFixture.start(
      upstreamPort: server.port, faults: [latency, loss], seed: 9)
    proxy.engine.eventLog.isEnabled = true
    let socket = try proxy.connect()
    let received = try await blocking { try socket.receiveAll() }
    #expect(received == randomBytes(count: size, seed: 61))
    let stalls = proxy.engine.eventLog.events().filter { $0.action == "stall" }.compactMap(\.value)
      .sorted()
    // A later segment's SACK marks the lost one a round trip (100 ms) after it was sent, or after
    // RACK's reordering window of a quarter round trip: far sooner than the 300 ms timeout.
    #expect(stalls.count >= 3)
    let median = stalls.isEmpty ? 0 : stalls[stalls.count / 2]
    #expect((100...250).contains(median), "stalls \(stalls)")
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func headOfLineBlockingHoldsLaterDataBehindALostPacket() async throws {
    let server = try makeEchoServer()
    let loss = FaultSpec(
      stream: .upstream, kind: LossFault(rate: 0.3, retransmissionTimeout: .milliseconds(50)))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [loss], seed: 3)
    proxy.engine.eventLog.isEnabled = true
    let socket = try proxy.connect()
    var times: [Double] = []
    for index in 0..<30 {
      times.append(try await roundTrip(socket, Array("message \(index)".utf8)).milliseconds)
    }
    let stalled = times.filter { $0 >= 50 }.count
    let stalls = proxy.engine.eventLog.events().filter { $0.action == "stall" }.count
    #expect(stalls >= 3)
    #expect(
      stalled >= stalls - 1,
      "every lost packet should stall its round trip: \(stalled) stalled, \(stalls) lost")
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func discardModeRemovesWholeSegmentsAtAboutTheRate() async throws {
    let size = 1448 * 2000
    let server = try Self.sendingServer(size: size, seed: 41)
    let loss = FaultSpec(stream: .downstream, kind: LossFault(rate: 0.1, mode: .discard))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [loss], seed: 11)
    proxy.engine.eventLog.isEnabled = true
    let socket = try proxy.connect()
    let received = try await blocking { try socket.receiveAll() }
    let drops = proxy.engine.eventLog.events().filter { $0.action == "drop" }.count
    #expect(size - received.count == drops * 1448, "exactly the dropped segments are missing")
    let lostFraction = Double(drops) / 2000
    #expect(
      (0.07...0.13).contains(lostFraction), "lost \(lostFraction) of segments at a rate of 0.1")
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func sameSeedDropsTheSameBytesWhateverTheWriteSizes() async throws {
    let size = 1448 * 300
    let data = randomBytes(count: size, seed: 51)
    var outcomes: [[UInt8]] = []
    for writeSize in [size, 997, 64] {
      let server = try TestServer { socket in
        var offset = 0
        while offset < size {
          let end = min(offset + writeSize, size)
          try? socket.send(Array(data[offset..<end]))
          offset = end
        }
        socket.shutdownWrite()
      }
      let loss = FaultSpec(stream: .downstream, kind: LossFault(rate: 0.2, mode: .discard))
      let proxy = try await ProxyFixture.start(
        upstreamPort: server.port, faults: [loss], seed: 2024)
      let socket = try proxy.connect()
      outcomes.append(try await blocking { try socket.receiveAll() })
      socket.close()
      server.stop()
      await proxy.close()
    }
    #expect(outcomes[0].count < size)
    #expect(outcomes[1] == outcomes[0], "write size 997 changed what arrived")
    #expect(outcomes[2] == outcomes[0], "write size 64 changed what arrived")
  }
}
