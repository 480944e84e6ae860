import Foundation
import Synchronization

/// A child process with captured output, always reaped: `finish` waits for it, killing it after a deadline.
final class ChildRun: @unchecked Sendable {
  // @unchecked: `process` and the pipes are set once in init; Process is thread-safe for these calls.
  let process = Process()
  private let output = Pipe()
  private let errors = Pipe()

  init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    process.standardOutput = output
    process.standardError = errors
    try process.run()
  }

  /// The first line of standard output, or nil if the child closes it or `timeout` passes.
  func firstLine(timeout: TimeInterval) async throws -> String? {
    let handle = output.fileHandleForReading
    let process = self.process
    let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    defer { watchdog.cancel() }
    return try await TCPSocket.offload {
      var line = Data()
      while true {
        let byte = handle.readData(ofLength: 1)
        if byte.isEmpty { return nil }
        if byte == Data("\n".utf8) { return String(decoding: line, as: UTF8.self) }
        line += byte
      }
    }
  }

  /// Waits for the child (sending SIGTERM first if `terminate`), killing it after `timeout`; returns
  /// its exit status and everything it wrote.
  func finish(terminate: Bool = false, timeout: TimeInterval) async throws -> (
    status: Int32, output: String, errors: String
  ) {
    let process = self.process
    if terminate, process.isRunning { process.terminate() }
    let watchdog = DispatchWorkItem {
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    defer { watchdog.cancel() }
    let output = self.output.fileHandleForReading
    let errors = self.errors.fileHandleForReading
    return try await TCPSocket.offload {
      // Both pipes are drained at once so that a child filling one cannot block on it.
      let errorData = LockedData()
      let drained = DispatchSemaphore(value: 0)
      Thread.detachNewThread {
        errorData.set(errors.readDataToEndOfFile())
        drained.signal()
      }
      let outputData = output.readDataToEndOfFile()
      drained.wait()
      process.waitUntilExit()
      return (
        process.terminationStatus, String(decoding: outputData, as: UTF8.self),
        String(decoding: errorData.value, as: UTF8.self)
      )
    }
  }
}

/// Bytes handed from one thread to another.
private final class LockedData: Sendable {
  private let storage = Mutex(Data())
  var value: Data { storage.withLock { $0 } }
  func set(_ data: Data) { storage.withLock { $0 = data } }
}
