import FaultHarness
import Synchronization

/// A clock that only moves when a test calls `advance(by:)`, so backoff schedules are checked
/// without sleeping. It records every sleep it was asked for.
final class ManualClock: Clock, Sendable {
  struct Instant: InstantProtocol {
    var offset: Duration

    func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
    func duration(to other: Instant) -> Duration { other.offset - offset }
    static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
  }

  private struct Sleeper {
    let deadline: Instant
    let continuation: CheckedContinuation<Void, any Error>
  }

  private struct State {
    var now = Instant(offset: .zero)
    var sleepers: [Int: Sleeper] = [:]
    var nextID = 0
    var requestedSleeps: [Duration] = []
  }

  private let state = Mutex(State())

  var now: Instant { state.withLock { $0.now } }
  var minimumResolution: Duration { .nanoseconds(1) }

  /// Every duration passed to a sleep, in order.
  var requestedSleeps: [Duration] { state.withLock { $0.requestedSleeps } }
  var pendingSleepers: Int { state.withLock { $0.sleepers.count } }

  func sleep(until deadline: Instant, tolerance: Duration?) async throws {
    let id = state.withLock { state in
      defer { state.nextID += 1 }
      state.requestedSleeps.append(deadline.offset - state.now.offset)
      return state.nextID
    }
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation {
        (continuation: CheckedContinuation<Void, any Error>) in
        let immediate: Result<Void, any Error>? = state.withLock { state in
          if Task.isCancelled { return .failure(CancellationError()) }
          if deadline <= state.now { return .success(()) }
          state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
          return nil
        }
        if let immediate { continuation.resume(with: immediate) }
      }
    } onCancel: {
      let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
      sleeper?.continuation.resume(throwing: CancellationError())
    }
  }

  /// Moves time forward and wakes every sleeper whose deadline has come.
  func advance(by duration: Duration) {
    let due = state.withLock { state in
      state.now = state.now.advanced(by: duration)
      let now = state.now
      let due = state.sleepers.filter { $0.value.deadline <= now }
      for id in due.keys { state.sleepers[id] = nil }
      return due.values.map(\.continuation)
    }
    for continuation in due { continuation.resume() }
  }

  /// Waits (in real time, polling) until `count` sleeps have been requested in total.
  /// The deadline is for a hang, not a pace: on a loaded machine running the whole suite, a task
  /// that was just started waited more than 5 s for a thread of the cooperative pool (1 of 20 runs
  /// beside two busy processes); waiting costs nothing when the sleep comes at once.
  func waitForSleeps(_ count: Int, timeout: Duration = .seconds(30)) async throws {
    try await pollUntil(
      "\(count) sleeps requested", timeout: timeout,
      lastSeen: { "\(self.requestedSleeps.count) requested" }
    ) {
      self.requestedSleeps.count >= count && self.pendingSleepers > 0
    }
  }
}
