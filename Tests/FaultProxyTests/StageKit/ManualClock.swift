@testable import FaultProxy

/// A `StageClock` that moves only when a test advances it, firing due timers in deadline order with
/// `now` set to each timer's deadline, so a stage's timing is exact.
final class ManualClock: StageClock {
  private(set) var now: UInt64
  private var timers: [(deadline: UInt64, token: Token, action: () -> Void)] = []
  private var nextToken: Token = 1

  init(now: UInt64 = 1_000_000_000) {
    self.now = now
  }

  /// Whether a timer is still waiting.
  var hasPendingTimers: Bool { !timers.isEmpty }

  @discardableResult
  func schedule(at deadline: UInt64, _ action: @escaping () -> Void) -> Token {
    let token = nextToken
    nextToken += 1
    timers.append((deadline, token, action))
    return token
  }

  @discardableResult
  func schedule(after delay: UInt64, _ action: @escaping () -> Void) -> Token {
    schedule(at: now &+ delay, action)
  }

  func cancel(_ token: Token) {
    timers.removeAll { $0.token == token }
  }

  /// Moves to `time`, running every timer due by then in order (those it schedules too). A timer
  /// whose deadline has passed runs at the current time, as the loop's next turn would run it.
  func advance(to time: UInt64) {
    while let index = nextDue(by: time) {
      let timer = timers.remove(at: index)
      now = max(now, timer.deadline)
      timer.action()
    }
    now = max(now, time)
  }

  func advance(by delay: UInt64) {
    advance(to: now &+ delay)
  }

  private func nextDue(by time: UInt64) -> Int? {
    var best: Int?
    for (index, timer) in timers.enumerated() where timer.deadline <= time {
      guard let current = best else {
        best = index
        continue
      }
      let other = timers[current]
      if (timer.deadline, timer.token) < (other.deadline, other.token) { best = index }
    }
    return best
  }
}
