import FaultProxy
import FaultlineTestSupport
import Foundation
import Testing

/// Nothing the proxy carries may be lost, reordered or corrupted, in either direction, at any write size.
@Suite struct ByteExactTransferTests {
  @Test(arguments: [1, 2])
  func randomDataBothWaysAtOnceOnManyConnections(loops: Int) async throws {
    let size = 3 << 20
    let connections = 8
    // The server streams its own data while it reads the client's, and reports what it received.
    let received = ReceivedLog()
    let server = try TestServer { socket in
      do {
        let hello = try socket.receive(exactly: 8)
        let id = hello.withUnsafeBytes { $0.load(as: UInt64.self) }
        let writer = Thread {
          let data = randomBytes(count: size, seed: 1000 + id)
          var offset = 0
          for chunk in randomSizes(total: size, maximum: 70_000, seed: 2000 + id) {
            try? socket.send(Array(data[offset..<offset + chunk]))
            offset += chunk
          }
          socket.shutdownWrite()
        }
        writer.start()
        received.record(id: id, bytes: try socket.receive(exactly: size))
      } catch {
        received.record(id: UInt64.max, bytes: [])
      }
    }
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, loops: loops)
    try await withThrowingTaskGroup(of: Void.self) { group in
      for id in 0..<UInt64(connections) {
        group.addTask {
          let socket = try proxy.connect()
          async let sent: Void = blocking {
            var header = id
            try socket.send(withUnsafeBytes(of: &header) { Array($0) })
            let data = randomBytes(count: size, seed: id)
            var offset = 0
            for chunk in randomSizes(total: size, maximum: 50_000, seed: 3000 + id) {
              try socket.send(Array(data[offset..<offset + chunk]))
              offset += chunk
            }
          }
          let fromServer = try await blocking { try socket.receiveAll() }
          try await sent
          #expect(fromServer.count == size)
          #expect(
            fromServer == randomBytes(count: size, seed: 1000 + id),
            "downstream bytes differ on connection \(id)")
          socket.close()
        }
      }
      try await group.waitForAll()
    }
    #expect(await pollUntil { received.count == connections })
    for id in 0..<UInt64(connections) {
      #expect(
        received.bytes(id: id) == randomBytes(count: size, seed: id),
        "upstream bytes differ on connection \(id)")
    }
    let stats = try proxy.engine.stats(named: "test")
    #expect(stats.sentBytes[.upstream] == UInt64(connections * (size + 8)))
    #expect(stats.sentBytes[.downstream] == UInt64(connections * size))
    #expect(stats.connectionsTotal == UInt64(connections))
    server.stop()
    await proxy.close()
  }

  @Test func ipv6LoopbackPassesTraffic() async throws {
    let server = try TestServer(host: "::1") { socket in
      while let part = try? socket.receive(), !part.isEmpty { try? socket.send(part) }
      socket.shutdownWrite()
    }
    let proxy = try await ProxyFixture.start(
      upstreamHost: "::1", upstreamPort: server.port, listenHost: "::1")
    #expect(proxy.info.listen.isIPv6)
    #expect(proxy.port != 0)
    let socket = try proxy.connect()
    let message = randomBytes(count: 100_000, seed: 7)
    try socket.send(message)
    socket.shutdownWrite()
    #expect(try await blocking { try socket.receiveAll() } == message)
    server.stop()
    await proxy.close()
  }
}

/// What the test server received on each connection, keyed by the id the client sent first.
final class ReceivedLog: @unchecked Sendable {
  // @unchecked: every access goes through `lock`.
  private let lock = NSLock()
  private var storage: [UInt64: [UInt8]] = [:]

  func record(id: UInt64, bytes: [UInt8]) { lock.withLock { storage[id] = bytes } }
  var count: Int { lock.withLock { storage.count } }
  func bytes(id: UInt64) -> [UInt8]? { lock.withLock { storage[id] } }
}
