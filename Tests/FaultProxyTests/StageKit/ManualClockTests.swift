import Testing

@testable import FaultProxy

/// The manual clock the stage tests stand on: due timers run in order, each at its own deadline.
@Suite struct ManualClockTests {
  @Test func dueTimersRunInDeadlineOrderAtTheirDeadlines() {
    let clock = ManualClock(now: 100)
    var fired: [(name: String, at: UInt64)] = []
    clock.schedule(at: 300) { fired.append(("c", clock.now)) }
    clock.schedule(at: 200) { fired.append(("a", clock.now)) }
    clock.schedule(at: 200) { fired.append(("b", clock.now)) }
    let cancelled = clock.schedule(after: 50) { fired.append(("x", clock.now)) }
    clock.cancel(cancelled)
    clock.advance(to: 250)
    #expect(fired.map(\.name) == ["a", "b"])
    #expect(fired.map(\.at) == [200, 200])
    #expect(clock.now == 250)
    clock.advance(by: 50)
    #expect(fired.map(\.name) == ["a", "b", "c"])
    #expect(!clock.hasPendingTimers)
  }

  @Test func aTimerScheduledByATimerRunsInTheSameAdvanceIfDue() {
    let clock = ManualClock(now: 0)
    var times: [UInt64] = []
    clock.schedule(at: 10) {
      times.append(clock.now)
      clock.schedule(after: 5) { times.append(clock.now) }
      // A deadline already passed runs on the next turn, at the current time.
      clock.schedule(at: 0) { times.append(clock.now) }
    }
    #expect(times.isEmpty)
    clock.advance(to: 100)
    #expect(times == [10, 10, 15])
  }
}
