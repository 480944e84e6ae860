import ChildProcess
import Foundation
import Testing

/// Runs the `faultline` executable that `swift test` builds, through `ManagedChild` (no inherited
/// descriptors, always reaped).
enum FaultlineBinary {
  struct Outcome {
    let status: Int32
    let output: String
  }

  static func url() throws -> URL {
    try FaultlineExecutable.url
  }

  /// Runs the executable to completion, collecting standard output.
  static func run(_ executable: URL, _ arguments: [String]) async throws -> Outcome {
    let child = try ManagedChild(executable: executable, arguments: arguments)
    guard let status = await child.waitForCompletion(timeout: .seconds(60)) else {
      _ = await child.terminate(grace: .seconds(1))
      throw ChildProcessError.readyTimeout(
        seconds: 60, stdout: child.standardOutput, stderr: child.standardError)
    }
    let code: Int32
    switch status {
    case .exited(let value): code = value
    case .signaled(let signal): code = 128 + signal
    }
    return Outcome(status: code, output: child.standardOutput)
  }
}
