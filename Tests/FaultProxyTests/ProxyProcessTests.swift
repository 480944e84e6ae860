import ChildProcess
import FaultHarness
import FaultProxy
import FaultlineTestSupport
import Foundation
import Glibc
import Testing

/// `faultline proxy` as a process: its ready line, its signals, and what it holds after heavy use.
@Suite struct ProxyProcessTests {
  @Test func readyLineTrafficAndCleanExitOnSIGTERM() async throws {
    let server = try makeEchoServer()
    defer { server.stop() }
    let proxy = try await SpawnedProxy.start(upstreamPort: Int(server.port))
    let socket = try BlockingSocket.connect(port: UInt16(proxy.port))
    let message = randomBytes(count: 200_000, seed: 3)
    try await blocking { try socket.send(message) }
    #expect(try await blocking { try socket.receive(exactly: message.count) } == message)
    #expect(proxy.process.signal(SIGTERM))
    let status = await proxy.process.waitForExit(timeout: .seconds(10))
    #expect(status == .exited(code: 0), "stderr: \(proxy.process.standardError)")
    // The proxy closed our connection on its way out.
    #expect(try await blocking { try socket.receiveAll() }.isEmpty)
    socket.close()
  }

  @Test func descriptorsReturnToBaselineAfterTwoThousandConnections() async throws {
    let server = try makeEchoServer()
    defer { server.stop() }
    let proxy = try await SpawnedProxy.start(upstreamPort: Int(server.port))
    // One connection first, so lazily created descriptors (buffers, timers) exist before the baseline.
    let warm = try BlockingSocket.connect(port: UInt16(proxy.port))
    _ = try await roundTrip(warm, [1])
    warm.close()
    #expect(await pollUntil { (ProcessTable.openDescriptors(of: proxy.process.pid) ?? -1) > 0 })
    try await Task.sleep(for: .milliseconds(200))
    let baseline = (ProcessTable.openDescriptors(of: proxy.process.pid) ?? -1)
    try await blocking {
      for index in 0..<2000 {
        let socket = try BlockingSocket.connect(port: UInt16(proxy.port))
        if index % 2 == 0 {
          try socket.send([UInt8(truncatingIfNeeded: index)])
          _ = try socket.receive(exactly: 1)
          socket.close()
        } else {
          socket.reset()
        }
      }
    }
    #expect(
      await pollUntil(timeout: .seconds(15)) {
        (ProcessTable.openDescriptors(of: proxy.process.pid) ?? -1) <= baseline
      },
      "proxy holds \((ProcessTable.openDescriptors(of: proxy.process.pid) ?? -1)) descriptors, \(baseline) before the 2,000 connections"
    )
    #expect(await proxy.stop() == .exited(code: 0))
  }

  @Test func memoryStaysBoundedWhenAClientStopsReading() async throws {
    let connections = 4
    let written = WrittenCounter()
    let server = try TestServer { socket in
      let block = [UInt8](repeating: 0x5A, count: 256 * 1024)
      // Flood until the proxy stops reading and the kernel buffers are full; the socket times out then.
      socket.setTimeout(seconds: 2)
      while (try? socket.send(block)) != nil { written.add(block.count) }
    }
    defer { server.stop() }
    let proxy = try await SpawnedProxy.start(upstreamPort: Int(server.port))
    let before = (ProcessTable.residentBytes(of: proxy.process.pid) ?? -1)
    var sockets: [BlockingSocket] = []
    for _ in 0..<connections {
      sockets.append(try BlockingSocket.connect(port: UInt16(proxy.port)))
    }
    // Wait until the flood stalls: no progress for half a second.
    var last = -1
    #expect(
      await pollUntil(timeout: .seconds(30)) {
        let now = written.total
        defer { last = now }
        if now == last { return true }
        try? await Task.sleep(for: .milliseconds(500))
        return false
      })
    let growth = (ProcessTable.residentBytes(of: proxy.process.pid) ?? -1) - before
    #expect(written.total > 1 << 20, "the server should have pushed data before stalling")
    #expect(
      growth < connections * (4 << 20),
      "proxy grew by \(growth / 1024) KiB for \(connections) stalled connections")
    for socket in sockets { socket.close() }
    #expect(await proxy.stop() == .exited(code: 0))
  }
}

/// Bytes the flooding server managed to write, across its connection threads.
final class WrittenCounter: @unchecked Sendable {
  // @unchecked: every access goes through `lock`.
  private let lock = NSLock()
  private var bytes = 0
  func add(_ count: Int) { lock.withLock { bytes += count } }
  var total: Int { lock.withLock { bytes } }
}
