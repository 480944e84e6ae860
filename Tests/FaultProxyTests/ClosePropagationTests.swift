import FaultProxy
import FaultlineTestSupport
import Foundation
import Glibc
import Testing

/// A FIN becomes a half-close on the other side, a reset becomes a reset, and a dead upstream ends the client.
@Suite struct ClosePropagationTests {
  @Test func clientHalfCloseLetsServerAnswerInFull() async throws {
    let answer = randomBytes(count: 2_000_000, seed: 11)
    let server = try TestServer { socket in
      // Read the whole request up to EOF, then answer: only possible if the FIN arrived as a half-close.
      guard let request = try? socket.receiveAll() else { return }
      try? socket.send(answer + Array("got \(request.count)".utf8))
      socket.shutdownWrite()
    }
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    let socket = try proxy.connect()
    try await blocking { try socket.send(randomBytes(count: 300_000, seed: 12)) }
    socket.shutdownWrite()
    let reply = try await blocking { try socket.receiveAll() }
    #expect(reply == answer + Array("got 300000".utf8))
    server.stop()
    await proxy.close()
  }

  @Test func serverHalfCloseLetsClientKeepSending() async throws {
    let greeting = randomBytes(count: 500_000, seed: 21)
    let upload = randomBytes(count: 1_500_000, seed: 22)
    let serverGot = ReceivedLog()
    let server = try TestServer { socket in
      try? socket.send(greeting)
      socket.shutdownWrite()
      serverGot.record(id: 0, bytes: (try? socket.receiveAll()) ?? [])
    }
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    let socket = try proxy.connect()
    #expect(try await blocking { try socket.receiveAll() } == greeting)
    // The server's FIN reached us, but our direction is still open.
    try await blocking { try socket.send(upload) }
    socket.shutdownWrite()
    #expect(await pollUntil { serverGot.count == 1 })
    #expect(serverGot.bytes(id: 0) == upload)
    server.stop()
    await proxy.close()
  }

  @Test func clientResetArrivesAsConnectionResetAtServer() async throws {
    let outcome = ReceivedLog()
    let server = try TestServer { socket in
      _ = try? socket.receive(exactly: 5)
      do {
        _ = try socket.receiveAll()
        outcome.record(id: 0, bytes: Array("eof".utf8))
      } catch let error as SocketError {
        outcome.record(id: 0, bytes: Array("errno \(error.errnoValue ?? 0)".utf8))
      } catch {}
    }
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    let socket = try proxy.connect()
    try socket.send(Array("hello".utf8))
    #expect(try await pollUntil { try proxy.engine.stats(named: "test").sentBytes[.upstream] == 5 })
    socket.reset()
    #expect(await pollUntil { outcome.count == 1 })
    #expect(outcome.bytes(id: 0) == Array("errno \(ECONNRESET)".utf8))
    server.stop()
    await proxy.close()
  }

  @Test func serverResetArrivesAsConnectionResetAtClient() async throws {
    let server = try TestServer { socket in
      _ = try? socket.receive(exactly: 5)
      socket.reset()
    }
    let proxy = try await ProxyFixture.start(upstreamPort: server.port)
    let socket = try proxy.connect()
    try socket.send(Array("hello".utf8))
    #expect(try await blocking { socket.drainOutcome() } == .failed(ECONNRESET))
    server.stop()
    await proxy.close()
  }

  @Test func refusedUpstreamEndsClientConnectionQuickly() async throws {
    // A port that is bound but not listening refuses connections, and no other test can take it meanwhile.
    let (placeholder, deadPort) = try loopbackSocket(listeningWith: nil)
    defer { close(placeholder) }
    let proxy = try await ProxyFixture.start(upstreamPort: deadPort)
    var elapsed: [Duration] = []
    for _ in 0..<5 {
      let socket = try proxy.connect()
      elapsed.append(
        try await blocking {
          let started = ContinuousClock.now
          _ = try? socket.receiveAll()
          return ContinuousClock.now - started
        })
      socket.close()
    }
    // Ended by the refusal, not by the proxy's connect timeout (5 s by default) or the client
    // giving up: seconds of slack, since a loaded machine makes no 100 ms promise. How fast it
    // ends is a benchmark's figure, not this test's.
    let median = elapsed.sorted()[elapsed.count / 2]
    #expect(median < .seconds(3), "client connection took \(median) to end")
    #expect(try proxy.engine.stats(named: "test").upstreamConnectFailures == 5)
    #expect(try await pollUntil { try proxy.engine.stats(named: "test").connectionsOpen == 0 })
    await proxy.close()
  }
}

/// An upstream that never answers: its accept queue is full, so the kernel drops further SYNs.
@Suite struct UpstreamTimeoutTests {
  @Test func silentUpstreamEndsTheClientAfterTheConnectTimeout() async throws {
    let (listener, port) = try loopbackSocket(listeningWith: 0)
    defer { close(listener) }
    // A backlog of 0 holds one connection; it is never accepted, so the proxy's connect gets no answer.
    let filler = try BlockingSocket.connect(port: port)
    defer { filler.close() }
    let engine = try ProxyEngine(configuration: EngineConfiguration(loopCount: 1, seed: 1))
    let info = try await engine.addProxy(
      ProxyConfiguration(
        name: "silent", listen: try SocketAddress(parsing: "127.0.0.1:0"),
        upstream: try SocketAddress(host: "127.0.0.1", port: port),
        connectTimeout: .milliseconds(300)))
    let client = try BlockingSocket.connect(port: info.listen.port)
    let started = ContinuousClock.now
    let outcome = try await blocking { client.drainOutcome() }
    let elapsed = ContinuousClock.now - started
    #expect(outcome == .failed(ECONNRESET))
    #expect(
      elapsed >= .milliseconds(250), "the client was cut off before the connect timeout: \(elapsed)"
    )
    #expect(elapsed < .seconds(5), "the connect timeout did not end the client: \(elapsed)")
    #expect(try engine.stats(named: "silent").upstreamConnectFailures == 1)
    client.close()
    await engine.shutdown()
  }
}
