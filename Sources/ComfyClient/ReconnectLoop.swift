/// One run of reconnection attempts spaced by a `ReconnectPolicy` on an injected clock.
///
/// The clock and the random source are parameters so that tests drive the schedule with a
/// manual clock instead of sleeping. Cancelling the task running `run` aborts the loop.
struct ReconnectLoop: Sendable {
  /// How a run ended.
  enum Outcome: Sendable, Equatable {
    case reconnected(attempts: Int)
    case exhausted(attempts: Int)
    /// Cancelled after `attempts` attempts were made.
    case aborted(attempts: Int)
  }

  let policy: ReconnectPolicy
  let clock: any Clock<Duration>
  /// Values in 0..<1 for the jitter.
  let randomUnit: @Sendable () -> Double
  /// Whether the first attempt starts at once (a reconnect asked for by hand) rather than
  /// after the first backoff delay (a drop the server may not have recovered from yet).
  let immediateFirstAttempt: Bool

  /// Runs attempts until one succeeds, the policy's attempts are used up, or the task is
  /// cancelled. `willAttempt` hears each attempt number and the delay before it.
  func run(
    willAttempt: @Sendable (_ attempt: Int, _ delay: Duration) async -> Void,
    attempt: @Sendable (_ attempt: Int) async -> Bool
  ) async -> Outcome {
    var made = 0
    while true {
      if let maxAttempts = policy.maxAttempts, made >= maxAttempts {
        return .exhausted(attempts: made)
      }
      if Task.isCancelled { return .aborted(attempts: made) }
      let number = made + 1
      let delay =
        immediateFirstAttempt && number == 1
        ? Duration.zero
        : policy.delay(
          forAttempt: immediateFirstAttempt ? number - 1 : number, randomUnit: randomUnit())
      await willAttempt(number, delay)
      do {
        try await clock.sleep(for: delay)
      } catch {
        return .aborted(attempts: made)
      }
      if Task.isCancelled { return .aborted(attempts: made) }
      made = number
      if await attempt(number) { return .reconnected(attempts: number) }
    }
  }
}
