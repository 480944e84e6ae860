import FaultProxy
import FaultlineTestSupport
import Foundation
import Glibc
import Synchronization
import Testing

/// Faults that end, silence or refuse connections, observed with real sockets.
@Suite struct ConnectionFaultTests {
  @Test func halfOpenSilencesWithoutFinOrResetAndBacksUpSends() async throws {
    let server = try makeEchoServer()
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    let socket = try proxy.connect()
    _ = try await roundTrip(socket, Array("before".utf8))
    try await proxy.engine.setFaults(
      [FaultSpec(name: "cable", kind: HalfOpenFault(reads: .stop))], forProxy: "test")
    socket.setTimeout(seconds: 1)
    try await blocking { try socket.send(Array("lost?".utf8)) }
    // No data, no FIN, no RST: the read times out (EAGAIN), it does not return EOF or ECONNRESET.
    let outcome = try await blocking { socket.nextReadOutcome() }
    #expect(outcome == .failed(EAGAIN), "a half-open connection must stay silent, got \(outcome)")
    // Sends back up: the proxy stopped reading, so the kernel buffers fill and a non-blocking send would block.
    let backedUp = try await blocking { () -> Bool in
      let flags = fcntl(socket.fd, F_GETFL)
      _ = fcntl(socket.fd, F_SETFL, flags | O_NONBLOCK)
      defer { _ = fcntl(socket.fd, F_SETFL, flags) }
      let block = [UInt8](repeating: 7, count: 65536)
      for _ in 0..<2000 {
        let written = block.withUnsafeBytes {
          send(socket.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
        }
        if written < 0 { return errno == EAGAIN }
      }
      return false
    }
    #expect(backedUp, "with reads: stop, the client's sends must back up")
    await proxy.close()
    server.stop()
  }

  @Test func halfOpenRecoversWhenRemovedAndTheHeldBytesFlow() async throws {
    let server = try makeEchoServer()
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    let socket = try proxy.connect()
    _ = try await roundTrip(socket, Array("before".utf8))
    try await proxy.engine.setFaults(
      [FaultSpec(name: "cable", kind: HalfOpenFault())], forProxy: "test")
    try await blocking { try socket.send(Array("held".utf8)) }
    #expect(try await pollUntil { try proxy.engine.stats(named: "test").faultActions > 0 })
    // Held, not delivered: nothing comes back while the fault is on.
    socket.setTimeout(seconds: 1)
    #expect(try await blocking { socket.nextReadOutcome() } == .failed(EAGAIN))
    socket.setTimeout(seconds: 20)
    try await proxy.engine.setFaults([], forProxy: "test")
    #expect(try await blocking { try socket.receive(exactly: 4) } == Array("held".utf8))
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func halfOpenUpstreamSideClosesTheServerWhileTheClientStaysConnected() async throws {
    let serverSawEOF = ReceivedLog()
    let server = try TestServer { socket in
      _ = try? socket.receive(exactly: 5)
      try? socket.send(Array("hello".utf8))
      let rest = (try? socket.receiveAll()) ?? []
      serverSawEOF.record(id: 0, bytes: rest)
    }
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    let socket = try proxy.connect()
    _ = try await roundTrip(socket, Array("hello".utf8))
    try await proxy.engine.setFaults(
      [FaultSpec(name: "nat", kind: HalfOpenFault(side: .upstream))], forProxy: "test")
    #expect(await pollUntil { serverSawEOF.count == 1 }, "the server should see the connection end")
    socket.setTimeout(seconds: 1)
    let outcome = try await blocking { socket.nextReadOutcome() }
    #expect(outcome == .failed(EAGAIN), "the client must not notice anything, got \(outcome)")
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func halfCloseSendsFinOneWayOnly() async throws {
    let serverGot = ReceivedLog()
    let server = try TestServer { socket in
      serverGot.record(id: 0, bytes: (try? socket.receiveAll()) ?? [])
    }
    let fault = FaultSpec(name: "fin", stream: .downstream, kind: HalfCloseFault())
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [fault])
    let socket = try proxy.connect()
    // The client reads EOF at once...
    #expect(try await blocking { try socket.receive() }.isEmpty)
    // ...and can still send to the server.
    try await blocking { try socket.send(Array("still here".utf8)) }
    socket.shutdownWrite()
    #expect(await pollUntil { serverGot.count == 1 })
    #expect(serverGot.bytes(id: 0) == Array("still here".utf8))
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func resetAfterATimeArrivesAsConnectionReset() async throws {
    let server = try makeEchoServer()
    let fault = FaultSpec(name: "rst", kind: ResetFault(after: .milliseconds(150)))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [fault])
    let connected = ContinuousClock.now
    let socket = try proxy.connect()
    #expect(try await blocking { socket.drainOutcome() } == .failed(ECONNRESET))
    #expect(ContinuousClock.now - connected >= .milliseconds(150), "the reset came before its time")
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func resetAfterBytesCutsTheStream() async throws {
    let server = try TestServer { socket in
      try? socket.send(randomBytes(count: 1_000_000, seed: 9))
    }
    let fault = FaultSpec(name: "rst", stream: .downstream, kind: ResetFault(afterBytes: 10_000))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [fault])
    proxy.engine.eventLog.isEnabled = true
    let socket = try proxy.connect()
    let (count, code) = try await blocking { () -> (Int, Int32) in
      var total = 0
      while true {
        do {
          let part = try socket.receive()
          if part.isEmpty { return (total, 0) }
          total += part.count
        } catch let error as SocketError {
          return (total, error.errnoValue ?? -1)
        }
      }
    }
    #expect(code == ECONNRESET)
    #expect(count <= 10_000)
    // The fault let exactly its budget through before the reset (the client may lose the tail of
    // it to the RST, hence the bound above).
    let reset = proxy.engine.eventLog.events().first { $0.action == "reset" }
    #expect(reset?.bytes == 10_000)
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func refuseClosedGivesConnectionRefusedUntilRemoved() async throws {
    let server = try makeEchoServer()
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    try await proxy.engine.setFaults(
      [FaultSpec(name: "down", kind: RefuseFault(mode: .closed))], forProxy: "test")
    let error = #expect(throws: SocketError.self) { _ = try proxy.connect() }
    #expect(error?.errnoValue == ECONNREFUSED)
    try await proxy.engine.setFaults([], forProxy: "test")
    let socket = try proxy.connect()
    _ = try await roundTrip(socket, Array("back".utf8))
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func refuseBlackholeLeavesConnectsHangingUntilRemoved() async throws {
    let server = try makeEchoServer()
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    let earlier = try proxy.connect()
    _ = try await roundTrip(earlier, Array("before".utf8))
    try await proxy.engine.setFaults(
      [FaultSpec(name: "gone", kind: RefuseFault(mode: .blackhole))], forProxy: "test")
    let pending = try PendingConnect(port: proxy.port)
    // Neither refused nor connected: the SYN was dropped and the kernel keeps retransmitting it.
    #expect(try await blocking { pending.outcome(within: 1500) } == nil)
    #expect(server.connectionCount == 1, "nothing new reached the server")
    _ = try await roundTrip(earlier, Array("existing connections carry on".utf8))
    try await proxy.engine.setFaults([], forProxy: "test")
    // The next retransmitted SYN (about a second apart) finds the proxy listening again.
    #expect(try await blocking { pending.outcome(within: 10_000) } == 0)
    let socket = pending.take()
    _ = try await roundTrip(socket, Array("through at last".utf8))
    socket.close()
    earlier.close()
    server.stop()
    await proxy.close()
  }

  /// A child process being spawned holds a copy of every descriptor until its `exec`, the proxy's
  /// listener too; closing the port must stop that copy listening as well, or it goes on accepting
  /// connections a closed port refuses and a blackhole drops (seen as blackholes that let a connect
  /// through, beside the suite's spawns on a loaded machine). A duplicate stands in for the copy.
  @Test func aListenerCopyHeldElsewhereStopsListeningWhenThePortCloses() async throws {
    let server = try makeEchoServer()
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    var copy = try #require(ListenerCopy(port: proxy.port), "the proxy's listening socket")
    try await proxy.engine.setFaults(
      [FaultSpec(name: "down", kind: RefuseFault(mode: .closed))], forProxy: "test")
    let error = #expect(throws: SocketError.self) { _ = try proxy.connect() }
    #expect(error?.errnoValue == ECONNREFUSED, "the copy of the closed listener accepted")

    try await proxy.engine.setFaults([], forProxy: "test")
    copy = try #require(ListenerCopy(port: proxy.port), "the proxy's new listening socket")
    try await proxy.engine.setFaults(
      [FaultSpec(name: "gone", kind: RefuseFault(mode: .blackhole))], forProxy: "test")
    // The port's SO_REUSEPORT group picks a listener per connection by its address: a listening
    // copy beside the blackhole would take about half of these.
    let pending = try (0..<8).map { _ in try PendingConnect(port: proxy.port) }
    let outcomes = try await blocking {
      pending.enumerated().map { $1.outcome(within: $0 == 0 ? 1500 : 0) }
    }
    #expect(outcomes.allSatisfy { $0 == nil }, "connects through the blackhole: \(outcomes)")
    withExtendedLifetime(copy) {}
    server.stop()
    await proxy.close()
  }

  @Test func switchingABlackholeOffNeverRefusesAConnect() async throws {
    let server = try makeEchoServer()
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    let port = proxy.port
    var refused = 0
    for _ in 0..<30 {
      try await proxy.engine.setFaults(
        [FaultSpec(name: "gone", kind: RefuseFault(mode: .blackhole))], forProxy: "test")
      // Connects as fast as they go while the fault comes off: each one's SYN is dropped (the
      // blackhole) or answered by the listener; a refusal means a moment with nothing listening.
      // On a thread of its own: a loop of blocking calls must not hold a concurrency-pool thread.
      let hammer = ConnectHammer(port: port, for: .seconds(30))
      // The fault comes off only once connects are being dropped, so they span the switch. A
      // connect through the blackhole itself is a failure too: beside the suite's spawns it came
      // from a child's copy of the closed listener (aListenerCopyHeldElsewhere…, above).
      #expect(
        await pollUntil(timeout: .seconds(30)) { hammer.dropped >= 20 || hammer.outcome != nil },
        "no connect was dropped by the blackhole")
      #expect(hammer.outcome == nil, "a connect got through the blackhole")
      try await proxy.engine.setFaults([], forProxy: "test")
      #expect(await pollUntil(timeout: .seconds(40)) { hammer.outcome != nil })
      let outcome = hammer.outcome ?? (accepted: false, refused: 0)
      #expect(outcome.accepted, "no connect got through within 30 s")
      refused += outcome.refused
    }
    #expect(refused == 0, "\(refused) connects were refused while a blackhole came off")
    server.stop()
    await proxy.close()
  }

  @Test func refuseResetAcceptsThenResets() async throws {
    let server = try makeEchoServer()
    let proxy = try await ProxyFixture.start(
      upstreamPort: server.port, faults: [FaultSpec(name: "down", kind: RefuseFault(mode: .reset))])
    let socket = try proxy.connect()
    #expect(try await blocking { socket.nextReadOutcome() } == .failed(ECONNRESET))
    #expect(server.connectionCount == 0, "a refused connection must never reach the server")
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func connectDelayHoldsTheFirstAnswer() async throws {
    let server = try makeEchoServer()
    let proxy = try await ProxyFixture.start(
      upstreamPort: server.port,
      faults: [FaultSpec(name: "slow-syn", kind: ConnectDelayFault(delay: .milliseconds(300)))])
    let started = ContinuousClock.now
    let socket = try proxy.connect()
    _ = try await roundTrip(socket, Array("hi".utf8))
    #expect(ContinuousClock.now - started >= .milliseconds(300))
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func toxicityAppliesToAboutThatShareOfConnections() async throws {
    let server = try makeEchoServer()
    let fault = FaultSpec(name: "some", toxicity: 0.3, kind: RefuseFault(mode: .reset))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [fault], seed: 77)
    var refused = 0
    let total = 200
    for _ in 0..<total {
      let socket = try proxy.connect()
      socket.setTimeout(seconds: 5)
      let ok = try await blocking { () -> Bool in
        do {
          try socket.send([1])
          return try socket.receive(exactly: 1) == [1]
        } catch { return false }
      }
      if !ok { refused += 1 }
      socket.close()
    }
    let share = Double(refused) / Double(total)
    #expect((0.2...0.4).contains(share), "toxicity 0.3 hit \(share) of connections")
    server.stop()
    await proxy.close()
  }
}

/// Non-blocking connects to 127.0.0.1:`port` back to back on a thread of its own, each dropped at
/// once if still pending, until one is accepted: how many were dropped so far, and at the end how
/// many were refused.
private final class ConnectHammer: Sendable {
  private let droppedCount = Atomic<Int>(0)
  private let result = Mutex<(accepted: Bool, refused: Int)?>(nil)

  var dropped: Int { droppedCount.load(ordering: .relaxed) }
  var outcome: (accepted: Bool, refused: Int)? { result.withLock { $0 } }

  init(port: UInt16, for limit: Duration) {
    Thread { [self] in
      let outcome = run(port: port, until: ContinuousClock.now + limit)
      result.withLock { $0 = outcome }
    }.start()
  }

  private func run(port: UInt16, until deadline: ContinuousClock.Instant) -> (
    accepted: Bool, refused: Int
  ) {
    var refused = 0
    while ContinuousClock.now < deadline {
      let fd = socket(
        AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
      guard fd >= 0 else { continue }
      defer { close(fd) }
      let status = withSockAddr(host: "127.0.0.1", port: port) { Glibc.connect(fd, $0, $1) }
      var error = status == 0 ? 0 : errno
      if error == EINPROGRESS {
        // On loopback the handshake, or the refusal, is done within the connect call: not waiting
        // for the rest keeps the connects a few microseconds apart.
        var poll = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard Glibc.poll(&poll, 1, 0) == 1 else {
          droppedCount.add(1, ordering: .relaxed)
          continue
        }
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
      }
      if error == 0 { return (true, refused) }
      if error == ECONNREFUSED { refused += 1 }
    }
    return (false, refused)
  }
}
