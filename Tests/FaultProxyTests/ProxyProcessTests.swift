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

  @Test func sigtermStopsAcceptingAndDeliversTheBytesALatencyFaultHolds() async throws {
    let server = try makeEchoServer()
    defer { server.stop() }
    let (proxy, events, directory) = try await Self.slowProxy(
      upstreamPort: server.port, latency: "3s", grace: "30s")
    defer { try? FileManager.default.removeItem(at: directory) }
    let socket = try BlockingSocket.connect(port: UInt16(proxy.port))
    defer { socket.close() }
    socket.setTimeout(seconds: 30)
    let message = randomBytes(count: 100_000, seed: 9)
    try await blocking { try socket.send(message) }
    // Every byte of the echo is in the proxy, held by the fault: SIGTERM must not lose them.
    #expect(
      await pollUntil(timeout: .seconds(20)) { Self.heldDownstream(in: events) == message.count },
      "the fault never held the whole echo")
    let signalled = ContinuousClock.now
    #expect(proxy.process.signal(SIGTERM))
    // It stops accepting while it still holds them.
    #expect(
      await pollUntil(timeout: .seconds(20)) {
        (try? BlockingSocket.connect(port: UInt16(proxy.port))).map { $0.close() } == nil
      }, "the listener stayed open after SIGTERM")
    #expect(try await blocking { try socket.receive(exactly: message.count) } == message)
    #expect(try await blocking { try socket.receiveAll() }.isEmpty, "then the connection ends")
    let status = await proxy.process.waitForExit(timeout: .seconds(30))
    #expect(status == .exited(code: 0), "stderr: \(proxy.process.standardError)")
    #expect(ContinuousClock.now - signalled < .seconds(30), "the grace period bounds the wait")
    if status == nil { _ = await proxy.stop() }
  }

  @Test func sigtermGivesUpOnHeldBytesAfterTheDrainGrace() async throws {
    let server = try makeEchoServer()
    defer { server.stop() }
    let (proxy, events, directory) = try await Self.slowProxy(
      upstreamPort: server.port, latency: "10m", grace: "1s")
    defer { try? FileManager.default.removeItem(at: directory) }
    let socket = try BlockingSocket.connect(port: UInt16(proxy.port))
    defer { socket.close() }
    socket.setTimeout(seconds: 30)
    try await blocking { try socket.send([1, 2, 3]) }
    #expect(await pollUntil(timeout: .seconds(20)) { Self.heldDownstream(in: events) == 3 })
    #expect(proxy.process.signal(SIGTERM))
    let status = await proxy.process.waitForExit(timeout: .seconds(30))
    #expect(status == .exited(code: 0), "stderr: \(proxy.process.standardError)")
    #expect(
      proxy.process.standardError.contains("still held after the 1.0 seconds drain grace"),
      "\(proxy.process.standardError)")
    if status == nil { _ = await proxy.stop() }
  }

  /// A `faultline proxy` whose downstream bytes wait `latency`, logging its decisions.
  private static func slowProxy(upstreamPort: UInt16, latency: String, grace: String) async throws
    -> (SpawnedProxy, events: URL, directory: URL)
  {
    let directory = try ScratchDirectory.create(prefix: "faultline-test")
    do {
      let profile = directory.appendingPathComponent("slow.yaml")
      try Data(
        "name: slow\ndescription: downstream bytes wait\nfaults:\n  - type: latency\n    stream: downstream\n    latency: \(latency)\n"
          .utf8
      ).write(to: profile)
      let events = directory.appendingPathComponent("events.jsonl")
      let proxy = try await SpawnedProxy.start(
        upstreamPort: Int(upstreamPort),
        extraArguments: [
          "--profile", profile.path, "--event-log", events.path, "--drain-grace", grace,
        ])
      return (proxy, events, directory)
    } catch {
      try? FileManager.default.removeItem(at: directory)
      throw error
    }
  }

  /// Bytes of the echo the latency fault has taken in, from the proxy's event log.
  private static func heldDownstream(in log: URL) -> Int {
    guard let text = try? String(contentsOf: log, encoding: .utf8) else { return 0 }
    return text.split(separator: "\n").compactMap {
      try? JSONDecoder().decode(FaultEvent.self, from: Data($0.utf8))
    }.filter { $0.action == "delay" && $0.direction == .downstream }.reduce(0) { $0 + $1.bytes }
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
