import FaultlineLocking

/// What the parent knows about a running child, shared between the reader and reaper threads and the async
/// waiters. Every change bumps `version` and wakes every waiter, which then re-checks its own condition;
/// checking and registering happen under one lock, so no wake-up is ever lost.
final class ChildObservation: Sendable {
  struct Snapshot {
    var standardOutput: [UInt8] = []
    var standardError: [UInt8] = []
    var exitStatus: ExitStatus?
    /// How many of the two output pipes have reached end-of-file.
    var closedOutputs = 0
    var version: UInt64 = 0
    fileprivate var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    fileprivate var nextWaiterID: UInt64 = 0
  }

  /// Output kept per stream; older bytes are dropped first so a chatty child cannot exhaust memory.
  static let outputLimit = 1 << 20

  let state = Locked(Snapshot())

  func appendOutput(_ bytes: ArraySlice<UInt8>, toStandardError: Bool) {
    update { snapshot in
      if toStandardError {
        Self.append(bytes, to: &snapshot.standardError)
      } else {
        Self.append(bytes, to: &snapshot.standardOutput)
      }
    }
  }

  /// Runs `change` under the lock, then wakes every waiter.
  func update(_ change: (inout Snapshot) -> Void) {
    let woken = state.withLock { snapshot in
      change(&snapshot)
      snapshot.version &+= 1
      let waiters = snapshot.waiters.values
      snapshot.waiters.removeAll()
      return Array(waiters)
    }
    for waiter in woken { waiter.resume() }
  }

  /// Waits until `extract` returns a value or `deadline` passes (then nil).
  func wait<T: Sendable>(
    until deadline: ContinuousClock.Instant,
    for extract: @Sendable (Snapshot) -> T?
  ) async -> T? {
    while true {
      let (value, version) = state.withLock { (extract($0), $0.version) }
      if let value { return value }
      if ContinuousClock.now >= deadline || Task.isCancelled { return nil }
      await withTaskGroup(of: Void.self) { group in
        group.addTask { await self.nextChange(after: version) }
        group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
        await group.next()
        group.cancelAll()
      }
    }
  }

  private func nextChange(after version: UInt64) async {
    let id = state.withLock { snapshot in
      snapshot.nextWaiterID &+= 1
      return snapshot.nextWaiterID
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let resumeNow = state.withLock { snapshot in
          if snapshot.version != version || Task.isCancelled { return true }
          snapshot.waiters[id] = continuation
          return false
        }
        if resumeNow { continuation.resume() }
      }
    } onCancel: {
      state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
    }
  }

  private static func append(_ bytes: ArraySlice<UInt8>, to buffer: inout [UInt8]) {
    buffer.append(contentsOf: bytes)
    if buffer.count > outputLimit {
      buffer.removeFirst(buffer.count - outputLimit)
    }
  }
}
