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
    // The rate is the slope between the moment a tenth of the bytes had arrived and the end, so a
    // late first read or a late last one on a loaded machine weighs little.
    let (total, measured) = try await blocking { () -> (Int, Double) in
      var received = 0
      var mark: (bytes: Int, time: ContinuousClock.Instant)?
      while true {
        let part = try socket.receive()
        if part.isEmpty { break }
        received += part.count
        if mark == nil && received >= size / 10 { mark = (received, .now) }
      }
      guard let mark else { return (received, 0) }
      let seconds = (ContinuousClock.now - mark.time).milliseconds / 1000
      return (received, Double(received - mark.bytes) / seconds)
    }
    #expect(total == size)
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
