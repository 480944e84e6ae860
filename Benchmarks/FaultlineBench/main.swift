import FaultProxy
import Foundation
import Glibc

// Fault-injection benchmarks of the data plane, printed as figures (see Benchmarks/README.md):
//   1. latency-fault accuracy: requested vs measured delay, p50/p99 error, for 1 ms, 10 ms, 100 ms, 1 s;
//   2. CPU of the proxy with 1,000 connections under a 10 ms latency fault;
//   3. timeline edge precision.
// Throughput under a 50 ms latency fault is measured with iperf3 by Benchmarks/fault-bench.sh.

func percentile(_ values: [Double], _ fraction: Double) -> Double {
  let sorted = values.sorted()
  return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
}

func engineWithProxy(upstream: UInt16, faults: [FaultSpec]) async throws -> (ProxyEngine, UInt16) {
  let engine = try ProxyEngine(configuration: EngineConfiguration(loopCount: 1, seed: 1))
  let info = try await engine.addProxy(
    ProxyConfiguration(
      name: "bench", listen: try SocketAddress(parsing: "127.0.0.1:0"),
      upstream: try SocketAddress(host: "127.0.0.1", port: upstream), faults: faults))
  return (engine, info.listen.port)
}

func latencyAccuracy(echo: EchoPeer) async throws {
  print(
    "Latency-fault accuracy (downstream delay; error = RTT through the faulty proxy - requested - RTT through the clean proxy)"
  )
  print(
    "requested   samples   error p50 (ms)   error p99 (ms)   proxy timers late p50/p99/max (µs)")
  let (clean, cleanPort) = try await engineWithProxy(upstream: echo.port, faults: [])
  let cleanFD = try EchoPeer.connect(port: cleanPort)
  var baseline: [Double] = []
  for _ in 0..<500 { baseline.append(Double(try EchoPeer.roundTrip(cleanFD)) / 1e6) }
  close(cleanFD)
  await clean.shutdown()
  let base = percentile(baseline, 0.5)
  for (delay, samples) in [(1, 400), (10, 200), (100, 60), (1000, 8)] {
    let fault = FaultSpec(stream: .downstream, kind: LatencyFault(delay: .milliseconds(delay)))
    let (engine, port) = try await engineWithProxy(upstream: echo.port, faults: [fault])
    let fd = try EchoPeer.connect(port: port)
    var errors: [Double] = []
    for _ in 0..<samples {
      errors.append(Double(try EchoPeer.roundTrip(fd)) / 1e6 - Double(delay) - base)
    }
    // The proxy's own share: how late its timers released the held bytes. The rest of the error
    // is the measuring client's and the echo server's wake-ups after a long wait.
    let timers = try await engine.timerLateness()
    close(fd)
    await engine.shutdown()
    print(
      String(
        format: "%6d ms %9d %16.3f %16.3f   %12.0f / %.0f / %.0f", delay, samples,
        percentile(errors, 0.5), percentile(errors, 0.99), timers.p50, timers.p99, timers.max))
  }
  print(
    String(
      format:
        "(clean proxy RTT p50 %.3f ms; Toxiproxy's latency toxic, as quoted: +0.6 ms p50, +1.3 ms p99)\n",
      base))
}

func cpuUnderLatency(echo: EchoPeer, connections: Int, seconds: Double) async throws {
  let fault = FaultSpec(
    stream: .both, kind: LatencyFault(delay: .milliseconds(10), jitter: .milliseconds(2)))
  let (engine, port) = try await engineWithProxy(upstream: echo.port, faults: [fault])
  var descriptors: [Int32] = []
  for _ in 0..<connections { descriptors.append(try EchoPeer.connect(port: port)) }
  let before = processCPUSeconds()
  let started = Date()
  var roundTrips = 0
  // Each connection sends a message every 100 ms: 10,000 messages a second through the faults.
  let all = descriptors
  await withTaskGroup(of: Int.self) { group in
    for slice in stride(from: 0, to: all.count, by: 100) {
      let part = Array(all[slice..<min(slice + 100, all.count)])
      group.addTask {
        await withCheckedContinuation { continuation in
          Thread {
            var count = 0
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
              let tick = Date()
              // Send on every connection first, then collect the echoes: the latencies overlap.
              for fd in part { _ = try? EchoPeer.sendMessage(fd) }
              for fd in part { if (try? EchoPeer.receiveMessage(fd)) != nil { count += 1 } }
              let rest = 0.1 - Date().timeIntervalSince(tick)
              if rest > 0 { Thread.sleep(forTimeInterval: rest) }
            }
            continuation.resume(returning: count)
          }.start()
        }
      }
    }
    for await count in group { roundTrips += count }
  }
  let elapsed = Date().timeIntervalSince(started)
  let cpu = processCPUSeconds() - before
  for fd in descriptors { close(fd) }
  await engine.shutdown()
  print(
    "CPU with \(connections) connections under a 10 ms ± 2 ms latency fault (both ways), one loop:")
  print(
    String(
      format:
        "  %d round trips in %.1f s; process CPU %.2f s (%.0f %% of one core, clients and echo server included)\n",
      roundTrips, elapsed, cpu, cpu / elapsed * 100))
}

func processCPUSeconds() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    + Double(usage.ru_stime.tv_sec)
    + Double(usage.ru_stime.tv_usec) / 1e6
}

func timelinePrecision(echo: EchoPeer) async throws {
  let (engine, _) = try await engineWithProxy(upstream: echo.port, faults: [])
  engine.eventLog.isEnabled = true
  var phases: [Profile.Phase] = []
  for index in 0..<10 {
    phases.append(
      Profile.Phase(
        at: .milliseconds(50 + index * 50), duration: .milliseconds(25),
        faults: [FaultSpec(name: "p\(index)", kind: LatencyFault(delay: .milliseconds(1)))]))
  }
  try await engine.applyProfile(
    Profile(name: "edges", description: "bench", timeline: phases), toProxy: "bench")
  try await Task.sleep(for: .milliseconds(700))
  let events = engine.eventLog.events()
  // Each edge event carries how late its timer fired (a read after the edge sees it regardless).
  let errors = events.filter { $0.action == "phase_start" || $0.action == "phase_end" }
    .compactMap(\.value)
  await engine.shutdown()
  print(
    String(
      format: "Timeline edges: %d edges, error p50 %.3f ms, max %.3f ms\n", errors.count,
      percentile(errors, 0.5),
      errors.max() ?? .nan))
}

extension EchoPeer {
  static func sendMessage(_ fd: Int32) throws {
    let message = [UInt8](repeating: 0x42, count: 32)
    guard message.withUnsafeBytes({ send(fd, $0.baseAddress, 32, Int32(MSG_NOSIGNAL)) }) == 32
    else {
      throw BenchError("send failed")
    }
  }

  static func receiveMessage(_ fd: Int32) throws {
    var buffer = [UInt8](repeating: 0, count: 32)
    var received = 0
    while received < 32 {
      let count = buffer.withUnsafeMutableBytes {
        recv(fd, $0.baseAddress! + received, 32 - received, 0)
      }
      guard count > 0 else { throw BenchError("connection ended") }
      received += count
    }
  }
}

signal(SIGPIPE, SIG_IGN)
if try await runStressMode(CommandLine.arguments) { exit(0) }
let echo = try EchoPeer()
try await latencyAccuracy(echo: echo)
try await timelinePrecision(echo: echo)
try await cpuUnderLatency(echo: echo, connections: 1000, seconds: 5)
echo.stop()
