/// Errors from spawning and supervising a child process. Each carries what the child printed so far,
/// because "it did not get ready" is useless without the child's own explanation.
public enum ChildProcessError: Error, CustomStringConvertible {
  case spawnFailed(executable: String, errno: Int32)
  case readyTimeout(seconds: Double, stdout: String, stderr: String)
  case exitedBeforeReady(status: ExitStatus, stdout: String, stderr: String)
  case invalidReadyLine(line: String, reason: String, stderr: String)

  public var description: String {
    switch self {
    case .spawnFailed(let executable, let errno):
      return "could not spawn \(executable): errno \(errno)"
    case .readyTimeout(let seconds, let stdout, let stderr):
      return
        "child printed no ready line within \(seconds) s; stdout so far: \(Self.quote(stdout)); stderr so far: \(Self.quote(stderr))"
    case .exitedBeforeReady(let status, let stdout, let stderr):
      return
        "child \(status) before printing its ready line; stdout: \(Self.quote(stdout)); stderr: \(Self.quote(stderr))"
    case .invalidReadyLine(let line, let reason, let stderr):
      return
        "child's first stdout line is not a ready line (\(reason)): \(Self.quote(line)); stderr: \(Self.quote(stderr))"
    }
  }

  private static func quote(_ text: String) -> String {
    text.isEmpty ? "<empty>" : "\"\(text.suffix(4000))\""
  }
}
