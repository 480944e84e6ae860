/// Time as fault stages see it: a monotonic clock and timers that run on the stage's loop.
///
/// The data plane's clock is `PreciseScheduler`; tests drive stages with a manual clock instead, so a
/// stage's timing can be checked to the nanosecond without sockets or a loop thread. Loop-confined.
protocol StageClock: AnyObject {
  /// Identifies a scheduled action so it can be cancelled.
  typealias Token = UInt64

  /// The current time in monotonic nanoseconds (the time base of `Chunk.arrival`).
  var now: UInt64 { get }

  /// Runs `action` at `deadline`, or on the next turn if it has passed; never from inside this call.
  @discardableResult
  func schedule(at deadline: UInt64, _ action: @escaping () -> Void) -> Token

  /// Runs `action` `delay` nanoseconds from now.
  @discardableResult
  func schedule(after delay: UInt64, _ action: @escaping () -> Void) -> Token

  /// Forgets a scheduled action; harmless when it already ran.
  func cancel(_ token: Token)
}

extension PreciseScheduler: StageClock {
  var now: UInt64 { MonotonicClock.now() }
}
