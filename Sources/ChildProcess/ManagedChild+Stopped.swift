import Foundation

extension ManagedChild {
  /// Waits until every thread of the child is stopped (after SIGSTOP), as `/proc` shows it.
  ///
  /// `kill(SIGSTOP)` returns once the signal is queued; a thread already running on another core
  /// carries on until it next enters the kernel, and could still answer a request. A caller that
  /// promises "paused" waits for the whole group stop. Returns false if `timeout` passed first or
  /// the child is gone; on a system without `/proc` it returns true at once.
  public func waitUntilStopped(timeout: Duration = .seconds(5)) async -> Bool {
    guard FileManager.default.fileExists(atPath: "/proc/self/task") else { return true }
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
      guard isRunning else { return false }
      let states = ProcessTable.threadStates(of: pid)
      if !states.isEmpty, states.allSatisfy({ $0 == "T" }) { return true }
      try? await Task.sleep(for: .milliseconds(1))
    }
    return false
  }
}
