import Foundation
import Glibc

/// Connection churn through whatever listens on `port` (a proxy in front of an `EchoPeer`): `threads`
/// blocking clients each connect, send `size` bytes, read them back and close, until `cycles` are done
/// or `seconds` pass. Prints one JSON line: cycles, failures, cycles per second.
func churn(port: UInt16, cycles: Int, seconds: Double, threads: Int, size: Int) async {
  let started = Date()
  let deadline = started.addingTimeInterval(seconds)
  let results = await withTaskGroup(of: (done: Int, failed: Int).self) { group in
    for thread in 0..<threads {
      let share = cycles / threads + (thread < cycles % threads ? 1 : 0)
      group.addTask {
        await withCheckedContinuation { continuation in
          Thread {
            var done = 0
            var failed = 0
            let message = [UInt8](repeating: UInt8(truncatingIfNeeded: thread), count: size)
            while done + failed < share {
              if (done + failed) % 256 == 0 && Date() >= deadline { break }
              if churnCycle(port: port, message: message) { done += 1 } else { failed += 1 }
            }
            continuation.resume(returning: (done, failed))
          }.start()
        }
      }
    }
    var total = (done: 0, failed: 0)
    for await part in group { total = (total.done + part.done, total.failed + part.failed) }
    return total
  }
  let elapsed = Date().timeIntervalSince(started)
  print(
    String(
      format: #"{"cycles": %d, "failures": %d, "seconds": %.2f, "cycles_per_s": %.0f}"#,
      results.done, results.failed, elapsed, Double(results.done) / elapsed))
}

/// One connect / echo / close; false when any step failed or the echo differed.
private func churnCycle(port: UInt16, message: [UInt8]) -> Bool {
  guard let fd = try? EchoPeer.connect(port: port) else { return false }
  defer { close(fd) }
  let size = message.count
  guard message.withUnsafeBytes({ send(fd, $0.baseAddress, size, Int32(MSG_NOSIGNAL)) }) == size
  else { return false }
  var echoed = [UInt8](repeating: 0, count: size)
  var received = 0
  while received < size {
    let count = echoed.withUnsafeMutableBytes {
      recv(fd, $0.baseAddress! + received, size - received, 0)
    }
    guard count > 0 else { return false }
    received += count
  }
  return echoed == message
}

/// The command-line modes used by `Benchmarks/stress.sh`:
///   faultline-bench echo                                  an echo server; prints {"port": N}, runs until stdin ends
///   faultline-bench churn PORT CYCLES SECONDS THREADS [SIZE]
/// Returns false when the arguments name no mode (the default run then follows).
func runStressMode(_ arguments: [String]) async throws -> Bool {
  guard arguments.count > 1 else { return false }
  switch arguments[1] {
  case "echo":
    let echo = try EchoPeer()
    print("{\"port\": \(echo.port)}")
    fflush(nil)
    while let line = readLine(strippingNewline: false), !line.isEmpty {}
    echo.stop()
    return true
  case "churn":
    guard arguments.count >= 6, let port = UInt16(arguments[2]), let cycles = Int(arguments[3]),
      let seconds = Double(arguments[4]), let threads = Int(arguments[5]), threads > 0
    else {
      throw BenchError("usage: faultline-bench churn PORT CYCLES SECONDS THREADS [SIZE]")
    }
    let size = arguments.count > 6 ? Int(arguments[6]) ?? 64 : 64
    await churn(port: port, cycles: cycles, seconds: seconds, threads: threads, size: size)
    return true
  default:
    throw BenchError("unknown mode \(arguments[1]) (known: echo, churn)")
  }
}
