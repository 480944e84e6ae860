import FaultProxy
import FaultlineTestSupport
import Foundation
import Testing

/// The engine's bound on buffered bytes holds across connections: many stalled readers together hold no
/// more than the bound (not one high-water mark each), a healthy connection keeps flowing meanwhile, and
/// once the readers come back every byte arrives intact.
@Suite struct BufferBoundTests {
  static let limit = 1 << 20
  static let stalledCount = 6
  static let payload = randomBytes(count: 6 << 20, seed: 91)

  @Test func stalledReadersTogetherStayWithinTheEngineBound() async throws {
    let gate = DispatchSemaphore(value: 0)
    // However the test ends, the server's threads must not stay parked.
    defer { for _ in 0..<Self.stalledCount { gate.signal() } }
    let received = ReceivedLog()
    let arrivals = ArrivalCounter()
    let stalled = try TestServer { socket in
      let id = arrivals.next()
      gate.wait()
      received.record(id: id, bytes: (try? socket.receiveAll()) ?? [])
    }
    let echo = try makeEchoServer()
    // Each connection alone may hold 16 MiB; the engine as a whole only 1 MiB.
    let engine = try ProxyEngine(
      configuration: EngineConfiguration(
        loopCount: 1, highWaterMark: 16 << 20, lowWaterMark: 4 << 20, bufferLimit: Self.limit,
        seed: 1))
    let stalledProxy = try await engine.addProxy(
      ProxyConfiguration(
        name: "stalled", listen: try SocketAddress(host: "127.0.0.1", port: 0),
        upstream: try SocketAddress(host: "127.0.0.1", port: stalled.port)))
    let healthyProxy = try await engine.addProxy(
      ProxyConfiguration(
        name: "healthy", listen: try SocketAddress(host: "127.0.0.1", port: 0),
        upstream: try SocketAddress(host: "127.0.0.1", port: echo.port)))
    let clients = try (0..<Self.stalledCount).map { _ in
      try BlockingSocket.connect(port: stalledProxy.listen.port)
    }
    let senders = clients.map { client in
      Task {
        try await blocking {
          client.setTimeout(seconds: 60)
          try client.send(Self.payload)
          client.shutdownWrite()
        }
      }
    }
    func held() throws -> Int {
      let stats = try engine.stats(named: "stalled")
      return Int(stats.receivedBytes[.upstream]! - stats.sentBytes[.upstream]!)
    }
    // The proxy fills up to its bound, then must stop there while the clients keep pushing.
    #expect(try await pollUntil { try held() > Self.limit / 2 })
    // One full read may cross the bound; after that each stalled direction adds one short read at most.
    let allowed = Self.limit + 64 * 1024 + Self.stalledCount * 4096
    var largest = 0
    let clock = ContinuousClock()
    let end = clock.now + .milliseconds(1500)
    while clock.now < end {
      largest = max(largest, try held())
      try await Task.sleep(for: .milliseconds(5))
    }
    #expect(largest <= allowed, "held \(largest) bytes, bound \(allowed)")

    // A healthy connection keeps flowing over the bound. Its client starts reading only after a
    // moment, so the proxy comes to hold some of its bytes (and stops reading it); once they are
    // written out it must read again, though the stalled connections keep the total high.
    let healthy = try BlockingSocket.connect(port: healthyProxy.listen.port)
    let message = randomBytes(count: 16 << 20, seed: 92)
    async let sent: Void = blocking { try healthy.send(message) }
    let echoed = try await blocking {
      Thread.sleep(forTimeInterval: 0.5)
      return try healthy.receive(exactly: message.count)
    }
    try await sent
    #expect(echoed == message, "a healthy connection must keep flowing over the bound")

    for _ in 0..<Self.stalledCount { gate.signal() }
    for sender in senders { try await sender.value }
    #expect(await pollUntil(timeout: .seconds(30)) { received.count == Self.stalledCount })
    for id in 0..<UInt64(Self.stalledCount) {
      let bytes = received.bytes(id: id) ?? []
      #expect(bytes.count == Self.payload.count && bytes == Self.payload, "connection \(id)")
    }
    healthy.close()
    for client in clients { client.close() }
    stalled.stop()
    echo.stop()
    await engine.shutdown()
  }
}

/// Numbers the connections a test server accepted, in the order their handlers start.
final class ArrivalCounter: @unchecked Sendable {
  // @unchecked: every access goes through `lock`.
  private let lock = NSLock()
  private var count: UInt64 = 0

  func next() -> UInt64 {
    lock.withLock {
      defer { count += 1 }
      return count
    }
  }
}
