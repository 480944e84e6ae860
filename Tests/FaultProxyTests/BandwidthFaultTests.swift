import FaultProxy
import FaultlineTestSupport
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
    let fault = FaultSpec(stream: .downstream, kind: BandwidthFault(bytesPerSecond: rate))
    let proxy = try await ProxyFixture.start(upstreamPort: server.port, faults: [fault])
    let socket = try proxy.connect()
    // The rate is the least-squares slope of bytes received over time, so a late read or two on a
    // loaded machine moves it little.
    let (total, measured) = try await blocking { () -> (Int, Double) in
      var received = 0
      var points: [(time: Double, bytes: Double)] = []
      let origin = ContinuousClock.now
      while true {
        let part = try socket.receive()
        if part.isEmpty { break }
        received += part.count
        points.append(((ContinuousClock.now - origin).milliseconds / 1000, Double(received)))
      }
      return (received, slope(points))
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
      kind: BandwidthFault(bytesPerSecond: 10_000_000, proxyBytesPerSecond: 800_000))
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

/// Least-squares slope of `bytes` over `time`.
func slope(_ points: [(time: Double, bytes: Double)]) -> Double {
  let n = Double(points.count)
  guard n > 1 else { return 0 }
  let meanTime = points.map(\.time).reduce(0, +) / n
  let meanBytes = points.map(\.bytes).reduce(0, +) / n
  let covariance = points.map { ($0.time - meanTime) * ($0.bytes - meanBytes) }.reduce(0, +)
  let variance = points.map { ($0.time - meanTime) * ($0.time - meanTime) }.reduce(0, +)
  return variance > 0 ? covariance / variance : 0
}
