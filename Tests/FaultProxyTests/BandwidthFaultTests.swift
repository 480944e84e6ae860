import FaultProxy
import Foundation
import Testing

/// Bandwidth measured by a client reading a stream through the proxy.
@Suite struct BandwidthFaultTests {
  @Test func perConnectionRateIsHeldWithinFivePercent() async throws {
    let size = 1_500_000
    let server = try TestServer { socket in
      try? socket.send(randomBytes(count: size, seed: 5))
      socket.shutdownWrite()
    }
    let rate = 1_000_000.0
    let fault = FaultSpec(stream: .downstream, kind: .bandwidth(.init(bytesPerSecond: rate)))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [fault])
    let socket = try proxy.connect()
    let (count, seconds) = try await blocking { () -> (Int, Double) in
      let first = try socket.receive()
      let started = ContinuousClock.now
      let rest = try socket.receiveAll()
      return (first.count + rest.count, (ContinuousClock.now - started).milliseconds / 1000)
    }
    #expect(count == size)
    let measured = Double(size) / seconds
    #expect(
      abs(measured - rate) / rate < 0.05,
      "measured \(Int(measured)) B/s for a rate of \(Int(rate)) B/s")
    socket.close()
    server.stop()
    await proxy.close()
  }

  @Test func proxyWideCapIsSharedByConnections() async throws {
    let size = 400_000
    let server = try TestServer { socket in
      try? socket.send(randomBytes(count: size, seed: 6))
      socket.shutdownWrite()
    }
    let fault = FaultSpec(
      stream: .downstream,
      kind: .bandwidth(.init(bytesPerSecond: 10_000_000, proxyBytesPerSecond: 800_000)))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [fault])
    let started = ContinuousClock.now
    try await withThrowingTaskGroup(of: Int.self) { group in
      for _ in 0..<3 {
        group.addTask {
          let socket = try proxy.connect()
          defer { socket.close() }
          return try await blocking { try socket.receiveAll().count }
        }
      }
      for try await count in group { #expect(count == size) }
    }
    let seconds = (ContinuousClock.now - started).milliseconds / 1000
    // 1.2 MB at a shared 800 kB/s takes 1.5 s; without the cap it would take 0.12 s.
    #expect(seconds > 1.3, "three connections finished in \(seconds) s despite the proxy-wide cap")
    server.stop()
    await proxy.close()
  }
}
