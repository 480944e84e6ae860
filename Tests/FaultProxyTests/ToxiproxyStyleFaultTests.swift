import FaultProxy
import FaultlineTestSupport
import Foundation
import Glibc
import Testing

/// The faults Toxiproxy also has (limit_data, slicer, slow_close, timeout), observed from outside.
@Suite struct ToxiproxyStyleFaultTests {
  @Test func limitDataDeliversExactlyThatManyBytesThenEOF() async throws {
    let server = try TestServer { socket in
      try? socket.send(randomBytes(count: 500_000, seed: 61))
    }
    let fault = FaultSpec(name: "cap", stream: .downstream, kind: LimitDataFault(bytes: 12_345))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [fault])
    let socket = try proxy.connect()
    let received = try await blocking { try socket.receiveAll() }
    #expect(received == Array(randomBytes(count: 500_000, seed: 61).prefix(12_345)))
    socket.close()
    server.stop()
    await proxy.close()
  }

  /// When the client's side runs out, the other direction ends too, but only after the bytes a
  /// slower fault still holds for the client.
  @Test func limitDataEndsTheOtherDirectionAfterWhatItsFaultsHold() async throws {
    let greeting = randomBytes(count: 3_000, seed: 64)
    let server = try TestServer { socket in
      try? socket.send(greeting)
      while let part = try? socket.receive(), !part.isEmpty {}
    }
    let proxy = try await ProxyFixture.start(
      upstreamPort: server.port,
      faults: [
        FaultSpec(name: "cap", stream: .upstream, kind: LimitDataFault(bytes: 100)),
        FaultSpec(
          name: "slow", stream: .downstream, kind: LatencyFault(delay: .milliseconds(300))),
      ])
    proxy.engine.eventLog.isEnabled = true
    let socket = try proxy.connect()
    // The greeting is inside the latency fault before the client uses up its allowance.
    #expect(await pollUntil { proxy.engine.eventLog.events().contains { $0.action == "delay" } })
    try await blocking { try socket.send(Array(repeating: 0x41, count: 100)) }
    #expect(try await blocking { try socket.receiveAll() } == greeting)
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func limitDataOfZeroClosesAtOnce() async throws {
    let server = try makeEchoServer()
    let fault = FaultSpec(name: "none", stream: .downstream, kind: LimitDataFault(bytes: 0))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [fault])
    let socket = try proxy.connect()
    try await blocking { try socket.send(Array("anything".utf8)) }
    #expect(try await blocking { try socket.receiveAll() }.isEmpty)
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func slicerCutsTheStreamIntoSmallSpacedPiecesWithoutChangingIt() async throws {
    let data = randomBytes(count: 4_000, seed: 62)
    let server = try TestServer { socket in
      try? socket.send(data)
      socket.shutdownWrite()
    }
    let fault = FaultSpec(
      name: "slices", stream: .downstream,
      kind: SlicerFault(averageSize: 100, sizeVariation: 40, delay: .milliseconds(2)))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [fault])
    let socket = try proxy.connect()
    let (received, spread) = try await blocking { () -> ([UInt8], Duration) in
      var all: [UInt8] = []
      var firstByte: ContinuousClock.Instant?
      while true {
        let part = try socket.receive()
        if part.isEmpty { return (all, ContinuousClock.now - (firstByte ?? .now)) }
        if firstByte == nil { firstByte = .now }
        all += part
      }
    }
    #expect(received == data)
    // At least 4,000 / 140 = 29 pieces, 2 ms apart: the last byte comes no sooner than 56 ms after
    // the first. (A lower bound holds on a loaded machine; a count of reads does not, since a
    // starved reader takes many pieces in one read. Exact spacing: SlicerStageTests.)
    #expect(spread >= .milliseconds(50), "the pieces came within \(spread)")
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func slowCloseDelaysTheFinButNotTheData() async throws {
    let server = try TestServer { socket in
      try? socket.send(Array("bye".utf8))
      socket.shutdownWrite()
    }
    let fault = FaultSpec(
      name: "lingering", stream: .downstream, kind: SlowCloseFault(delay: .milliseconds(300)))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [fault])
    // The clock starts before connecting: the server's FIN cannot reach the proxy earlier.
    let started = ContinuousClock.now
    let socket = try proxy.connect()
    let (data, dataAt, finAt) = try await blocking { () -> ([UInt8], Duration, Duration) in
      let data = try socket.receive(exactly: 3)
      let dataAt = ContinuousClock.now - started
      let rest = try socket.receiveAll()
      return (data + rest, dataAt, ContinuousClock.now - started)
    }
    #expect(data == Array("bye".utf8))
    #expect(finAt >= .milliseconds(300))
    #expect(finAt - dataAt >= .milliseconds(200), "the FIN came with the data")
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func timeoutDropsDataAndClosesAfterItsTime() async throws {
    let server = try makeEchoServer()
    let fault = FaultSpec(name: "blackhole", kind: TimeoutFault(timeout: .milliseconds(300)))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [fault])
    let started = ContinuousClock.now
    let socket = try proxy.connect()
    try await blocking { try socket.send(Array("echo?".utf8)) }
    let received = try await blocking { try socket.receiveAll() }
    #expect(received.isEmpty, "a timeout fault drops data")
    #expect(ContinuousClock.now - started >= .milliseconds(300))
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func resetPeerStartsItsClockAtTheFirstChunk() async throws {
    let server = try makeEchoServer()
    let fault = FaultSpec(
      name: "reset_peer", stream: .upstream,
      kind: ResetPeerFault(timeout: .milliseconds(200)))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [fault])
    let socket = try proxy.connect()
    // An idle connection older than the timeout is left alone: the clock has not started.
    #expect(
      try await pollUntil(timeout: .seconds(5)) {
        try await proxy.engine.connections(named: "test").first.map { $0.age > 300_000_000 }
          ?? false
      })
    let sent = ContinuousClock.now
    try await blocking { try socket.send(Array("first".utf8)) }
    #expect(
      try await blocking { socket.nextReadOutcome() } == .failed(ECONNRESET),
      "the first chunk must be dropped and the connection reset")
    #expect(ContinuousClock.now - sent >= .milliseconds(200))
    socket.close()
    server.stop()
    await proxy.close()
  }
}
