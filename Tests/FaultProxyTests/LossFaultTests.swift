import FaultProxy
import Foundation
import Testing

/// Loss as an application behind TCP sees it (stalls, nothing missing) and as corruption (bytes gone).
@Suite struct LossFaultTests {
  @Test func retransmitModeStallsButLosesNothing() async throws {
    let size = 300_000
    let server = try TestServer { socket in
      try? socket.send(randomBytes(count: size, seed: 31))
      socket.shutdownWrite()
    }
    let loss = FaultSpec(stream: .downstream, kind: .loss(.init(rate: 0.05)))
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
    // 300 kB is about 207 packets; at 5 % about ten are lost, and each costs at least 200 ms.
    #expect(!stalls.isEmpty)
    #expect(stalls.allSatisfy { ($0.value ?? 0) >= 200 })
    #expect(
      elapsed >= 200, "a lost packet should stall the stream at least 200 ms, took \(elapsed) ms")
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func headOfLineBlockingHoldsLaterDataBehindALostPacket() async throws {
    let server = try makeEchoServer()
    let loss = FaultSpec(
      stream: .upstream, kind: .loss(.init(rate: 0.3, retransmissionTimeout: .milliseconds(50))))
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
    let server = try TestServer { socket in
      try? socket.send(randomBytes(count: size, seed: 41))
      socket.shutdownWrite()
    }
    let loss = FaultSpec(stream: .downstream, kind: .loss(.init(rate: 0.1, mode: .discard)))
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
      let loss = FaultSpec(stream: .downstream, kind: .loss(.init(rate: 0.2, mode: .discard)))
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
