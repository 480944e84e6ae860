import Synchronization
import Testing

@testable import ComfyClient

/// The reconnection loop on a manual clock: no test here sleeps for a backoff delay.
@Suite struct ReconnectLoopTests {
  private let policy = ReconnectPolicy(
    maxAttempts: 4, baseDelay: .seconds(1), maxDelay: .seconds(3), strategy: .exponential, jitter: 0
  )

  /// Attempts that fail until `successAt` (nil: always), counted.
  private final class Attempts: Sendable {
    let successAt: Int?
    let made = Mutex<[Int]>([])
    let announced = Mutex<[Int: Duration]>([:])
    init(successAt: Int?) { self.successAt = successAt }

    func attempt(_ number: Int) -> Bool {
      made.withLock { $0.append(number) }
      return number == successAt
    }
  }

  private func start(
    _ loop: ReconnectLoop, _ attempts: Attempts
  ) -> Task<ReconnectLoop.Outcome, Never> {
    Task {
      await loop.run(
        willAttempt: { number, delay in attempts.announced.withLock { $0[number] = delay } },
        attempt: { attempts.attempt($0) })
    }
  }

  @Test func succeedsAfterFailuresWaitingTheBackoffBetweenAttempts() async throws {
    let clock = ManualClock()
    let attempts = Attempts(successAt: 3)
    let task = start(
      ReconnectLoop(
        policy: policy, clock: clock, randomUnit: { 0.5 }, immediateFirstAttempt: false), attempts)

    try await clock.waitForSleeps(1)
    #expect(attempts.made.withLock { $0 }.isEmpty, "no attempt before the first delay has passed")
    clock.advance(by: .milliseconds(999))
    #expect(attempts.made.withLock { $0 }.isEmpty)
    clock.advance(by: .milliseconds(1))
    try await clock.waitForSleeps(2)
    #expect(attempts.made.withLock { $0 } == [1])
    clock.advance(by: .seconds(2))
    try await clock.waitForSleeps(3)
    #expect(attempts.made.withLock { $0 } == [1, 2])
    clock.advance(by: .seconds(3))

    #expect(await task.value == .reconnected(attempts: 3))
    #expect(clock.requestedSleeps == [.seconds(1), .seconds(2), .seconds(3)])
    #expect(attempts.announced.withLock { $0 } == [1: .seconds(1), 2: .seconds(2), 3: .seconds(3)])
  }

  @Test func givesUpAfterMaxAttempts() async throws {
    let clock = ManualClock()
    let attempts = Attempts(successAt: nil)
    let task = start(
      ReconnectLoop(
        policy: policy, clock: clock, randomUnit: { 0.5 }, immediateFirstAttempt: false), attempts)
    for sleep in 1...4 {
      try await clock.waitForSleeps(sleep)
      clock.advance(by: .seconds(3))
    }
    #expect(await task.value == .exhausted(attempts: 4))
    #expect(attempts.made.withLock { $0 } == [1, 2, 3, 4])
    #expect(clock.requestedSleeps == [.seconds(1), .seconds(2), .seconds(3), .seconds(3)])
  }

  @Test func unlimitedAttemptsKeepGoingUntilSuccess() async throws {
    var forever = policy
    forever.maxAttempts = nil
    let clock = ManualClock()
    let attempts = Attempts(successAt: 25)
    let task = start(
      ReconnectLoop(
        policy: forever, clock: clock, randomUnit: { 0.5 }, immediateFirstAttempt: false), attempts)
    for sleep in 1...25 {
      try await clock.waitForSleeps(sleep)
      clock.advance(by: .seconds(3))
    }
    #expect(await task.value == .reconnected(attempts: 25))
  }

  @Test func cancellingDuringABackoffAbortsWithoutAnotherAttempt() async throws {
    let clock = ManualClock()
    let attempts = Attempts(successAt: nil)
    let task = start(
      ReconnectLoop(
        policy: policy, clock: clock, randomUnit: { 0.5 }, immediateFirstAttempt: false), attempts)
    try await clock.waitForSleeps(1)
    clock.advance(by: .seconds(1))
    try await clock.waitForSleeps(2)
    task.cancel()
    #expect(await task.value == .aborted(attempts: 1))
    #expect(attempts.made.withLock { $0 } == [1])
    #expect(clock.pendingSleepers == 0)
  }

  @Test func aManualReconnectTriesAtOnceThenBacksOff() async throws {
    let clock = ManualClock()
    let attempts = Attempts(successAt: 2)
    let task = start(
      ReconnectLoop(policy: policy, clock: clock, randomUnit: { 0.5 }, immediateFirstAttempt: true),
      attempts)
    try await clock.waitForSleeps(2)
    #expect(attempts.made.withLock { $0 } == [1], "the first attempt needs no clock advance")
    clock.advance(by: .seconds(1))
    #expect(await task.value == .reconnected(attempts: 2))
    #expect(clock.requestedSleeps == [.zero, .seconds(1)])
  }

  @Test func jitterComesFromTheInjectedRandomSource() async throws {
    var jittered = policy
    jittered.jitter = 0.5
    let clock = ManualClock()
    let attempts = Attempts(successAt: 1)
    let task = start(
      ReconnectLoop(
        policy: jittered, clock: clock, randomUnit: { 0 }, immediateFirstAttempt: false), attempts)
    try await clock.waitForSleeps(1)
    clock.advance(by: .milliseconds(500))
    #expect(await task.value == .reconnected(attempts: 1))
    #expect(clock.requestedSleeps == [.milliseconds(500)])
  }
}
