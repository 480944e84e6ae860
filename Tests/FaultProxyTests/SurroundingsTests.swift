import ChildProcess
import FaultHarness
import FaultProxy
import FaultlineTestSupport
import Foundation
import Glibc
import Testing

/// `faultline proxy` as a process when its surroundings fail: a bad upstream name, a taken port, an
/// upstream that dies in the middle of a transfer, a client that resets in the middle of a write.
@Suite struct SurroundingsTests {
  /// The proxy's descriptors once one connection has come and gone, so lazily opened ones count.
  static func warmBaseline(_ proxy: SpawnedProxy) async throws -> Int {
    let warm = try BlockingSocket.connect(port: UInt16(proxy.port))
    _ = try await roundTrip(warm, [1])
    warm.close()
    #expect(await pollUntil { (ProcessTable.openDescriptors(of: proxy.process.pid) ?? -1) > 0 })
    try await Task.sleep(for: .milliseconds(200))
    return (ProcessTable.openDescriptors(of: proxy.process.pid) ?? -1)
  }

  @Test func anUpstreamNameThatDoesNotResolveIsRefusedAtStartNamingIt() async throws {
    // `.invalid` never resolves (RFC 6761).
    let child = try ManagedChild(
      executable: try FaultlineExecutable.url,
      arguments: ["proxy", "--upstream", "no-such-host.invalid:80"])
    let status = await child.waitForExit(timeout: .seconds(60))
    #expect(status != nil && status != .exited(code: 0))
    _ = await child.waitForCompletion(timeout: .seconds(5))
    #expect(child.standardError.contains("no-such-host.invalid"), "\(child.standardError)")
    #expect(child.standardError.contains("cannot resolve"), "\(child.standardError)")
  }

  @Test func aListenAddressInUseIsRefusedNamingItAndTheOwnerKeepsIt() async throws {
    let owner = try makeEchoServer()
    defer { owner.stop() }
    let child = try ManagedChild(
      executable: try FaultlineExecutable.url,
      arguments: ["proxy", "--listen", "127.0.0.1:\(owner.port)", "--upstream", "127.0.0.1:1"])
    let status = await child.waitForExit(timeout: .seconds(30))
    #expect(status != nil && status != .exited(code: 0))
    _ = await child.waitForCompletion(timeout: .seconds(5))
    #expect(child.standardError.contains("127.0.0.1:\(owner.port)"), "\(child.standardError)")
    #expect(child.standardError.contains("EADDRINUSE"), "\(child.standardError)")
    // The port still belongs to its owner: a connection reaches the echo server, not a proxy.
    let socket = try BlockingSocket.connect(port: owner.port)
    _ = try await roundTrip(socket, [7, 8, 9])
    socket.close()
  }

  @Test func anUpstreamVanishingMidTransferEndsTheClientAndTheProxyServesOn() async throws {
    let stream = randomBytes(count: 4 << 20, seed: 41)
    let cut = 1 << 20
    let server = try TestServer { socket in
      // The first connection streams a prefix and dies as a killed process does with unread input
      // (a reset); later ones echo.
      guard let first = try? socket.receive(exactly: 1) else { return }
      guard first == [0] else {
        try? socket.send(first)
        while let part = try? socket.receive(), !part.isEmpty { try? socket.send(part) }
        socket.shutdownWrite()
        return
      }
      try? socket.send(Array(stream[..<cut]))
      socket.reset()
    }
    defer { server.stop() }
    let proxy = try await SpawnedProxy.start(upstreamPort: Int(server.port))
    let baseline = try await Self.warmBaseline(proxy)
    let client = try BlockingSocket.connect(port: UInt16(proxy.port))
    try client.send([0, 1, 2, 3])
    let (received, end) = try await blocking { () -> ([UInt8], ReadOutcome) in
      var received: [UInt8] = []
      while true {
        do {
          let part = try client.receive()
          if part.isEmpty { return (received, .endOfStream) }
          received += part
        } catch {
          return (received, .failed((error as? SocketError)?.errnoValue ?? -1))
        }
      }
    }
    // What arrived is exactly a prefix of what the server sent, and the end is a reset or an EOF,
    // not the receive timeout.
    #expect(received.count <= cut && received[...] == stream[..<received.count])
    #expect(end == .endOfStream || end == .failed(ECONNRESET), "\(end)")
    client.close()
    #expect(
      await pollUntil(timeout: .seconds(15)) {
        (ProcessTable.openDescriptors(of: proxy.process.pid) ?? -1) <= baseline
      },
      "proxy holds \((ProcessTable.openDescriptors(of: proxy.process.pid) ?? -1)) descriptors, \(baseline) before"
    )
    let next = try BlockingSocket.connect(port: UInt16(proxy.port))
    _ = try await roundTrip(next, [1] + randomBytes(count: 50_000, seed: 42))
    next.close()
    #expect(await proxy.stop() == .exited(code: 0))
  }

  @Test func aClientResettingMidWriteEndsTheUpstreamAndFreesTheConnection() async throws {
    let outcome = ReceivedLog()
    let gate = DispatchSemaphore(value: 0)
    let server = try TestServer { socket in
      // The warm-up connection is echoed; the next one reads a little, then nothing until the client
      // has reset: the proxy is mid-write upstream.
      guard let first = try? socket.receive(exactly: 1) else { return }
      guard first == [0] else {
        try? socket.send(first)
        return
      }
      _ = try? socket.receive(exactly: 65536)
      gate.wait()
      switch socket.drainOutcome() {
      case .failed(let code): outcome.record(id: 0, bytes: Array("errno \(code)".utf8))
      case .endOfStream: outcome.record(id: 0, bytes: Array("eof".utf8))
      case .data: break
      }
      // As a server does once its client is gone.
      socket.close()
    }
    defer {
      gate.signal()
      server.stop()
    }
    let proxy = try await SpawnedProxy.start(upstreamPort: Int(server.port))
    let baseline = try await Self.warmBaseline(proxy)
    let client = try BlockingSocket.connect(port: UInt16(proxy.port))
    client.setTimeout(seconds: 2)
    // More than the kernel buffers and the proxy's high-water mark take: the send blocks (times out)
    // with bytes queued inside the proxy.
    let upload = [0] + randomBytes(count: 16 << 20, seed: 43)
    _ = try? await blocking { try client.send(upload) }
    client.reset()
    gate.signal()
    #expect(await pollUntil(timeout: .seconds(15)) { outcome.count == 1 })
    // The upstream side ends rather than hanging. A reset sent while the proxy's receive window was
    // full reaches the proxy (Linux) as an end of stream, so the server sees EOF (seen in every run
    // here); a reset while the window is open arrives as a reset (ClosePropagationTests).
    let seen = String(decoding: outcome.bytes(id: 0) ?? [], as: UTF8.self)
    #expect(seen == "errno \(ECONNRESET)" || seen == "eof", "the server saw \(seen)")
    #expect(
      await pollUntil(timeout: .seconds(15)) {
        (ProcessTable.openDescriptors(of: proxy.process.pid) ?? -1) <= baseline
      },
      "proxy holds \((ProcessTable.openDescriptors(of: proxy.process.pid) ?? -1)) descriptors, \(baseline) before"
    )
    #expect(await proxy.stop() == .exited(code: 0))
  }
}
