import ChildProcess
import Foundation

/// A child process with captured output, always reaped: `finish` waits for it, killing it after a
/// deadline. Built on `ManagedChild`, so the child inherits none of the test process's sockets.
final class ChildRun: Sendable {
  let child: ManagedChild

  init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
    child = try ManagedChild(
      executable: executable, arguments: arguments,
      environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new })
  }

  /// The first line of standard output, or nil if the child ends without one or `timeout` passes.
  func firstLine(timeout: TimeInterval) async throws -> String? {
    let found = await child.waitForStandardOutput(containing: "\n", timeout: .seconds(timeout))
    guard found else { return nil }
    return child.standardOutput.split(separator: "\n", omittingEmptySubsequences: false).first.map(
      String.init)
  }

  /// Waits for the child (sending SIGTERM first if `terminate`), killing it after `timeout`; returns
  /// its exit status and everything it wrote.
  func finish(terminate: Bool = false, timeout: TimeInterval) async throws -> (
    status: Int32, output: String, errors: String
  ) {
    if terminate { _ = child.signal(SIGTERM) }
    var status = await child.waitForCompletion(timeout: .seconds(timeout))
    if status == nil {
      _ = child.signal(SIGKILL)
      status = await child.waitForCompletion(timeout: .seconds(10))
    }
    let code: Int32
    switch status {
    case .exited(let value)?: code = value
    case .signaled(let signal)?: code = 128 + signal
    case nil: code = -1
    }
    return (code, child.standardOutput, child.standardError)
  }
}
