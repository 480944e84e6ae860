import Foundation

extension ManagedChild {
  /// Waits until every thread of the child is stopped (after SIGSTOP), as `/proc` shows it.
  ///
  /// `kill(SIGSTOP)` returns once the signal is queued; a thread already running on another core
  /// carries on until it next enters the kernel, and could still answer a request. A caller that
  /// promises "paused" waits for the whole group stop. Returns false if `timeout` passed first or
  /// the child is gone; on a system without `/proc` it returns true at once.
  public func waitUntilStopped(timeout: Duration = .seconds(5)) async -> Bool {
    let tasks = "/proc/\(pid)/task"
    guard FileManager.default.fileExists(atPath: "/proc/self/task") else { return true }
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
      guard isRunning, let threads = try? FileManager.default.contentsOfDirectory(atPath: tasks)
      else { return false }
      if !threads.isEmpty, threads.allSatisfy({ Self.threadState("\(tasks)/\($0)/stat") == "T" }) {
        return true
      }
      try? await Task.sleep(for: .milliseconds(1))
    }
    return false
  }

  /// The state letter of /proc/PID/task/TID/stat: the field after the parenthesised name.
  private static func threadState(_ path: String) -> Character? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
      let close = text.lastIndex(of: ")")
    else { return nil }
    return text[text.index(after: close)...].first { !$0.isWhitespace }
  }
}
