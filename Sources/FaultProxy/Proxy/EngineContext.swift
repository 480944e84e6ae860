import Synchronization

/// What every proxy of one engine shares: the seed, the event log and the engine's start time.
final class EngineContext: Sendable {
  private let seedValue: Atomic<UInt64>
  let eventLog: EventLog
  let startTime = MonotonicClock.now()

  init(seed: UInt64, eventLog: EventLog) {
    seedValue = Atomic(seed)
    self.eventLog = eventLog
  }

  /// The seed of decisions for connections opened from now on.
  var seed: UInt64 {
    get { seedValue.load(ordering: .relaxed) }
    set { seedValue.store(newValue, ordering: .relaxed) }
  }

  /// Milliseconds since the engine started.
  func elapsedMilliseconds(at time: UInt64 = MonotonicClock.now()) -> Double {
    Double(time &- startTime) / 1_000_000
  }
}
