@testable import FaultProxy

/// A `StageHost` that records what stages ask of the connection, stamped with the clock's time.
final class RecordingHost: StageHost {
  /// What a stage did to the connection.
  enum Action: Equatable {
    case pauseReading(Direction)
    case resumeReading(Direction)
    case abort(resetClient: Bool, resetUpstream: Bool)
    case closeBoth
    case forgetUpstream
    case finishAfterLimit(Direction)
  }

  let clock: ManualClock
  var openedAt: UInt64
  /// What `configuredLatency()` answers: the latency faults of the path, as a test sets them.
  var latency: UInt64 = 0
  /// What `lossRate(on:)` answers per direction, as a test sets it.
  var lossRates: [Direction: Double] = [:]
  var isLogging = true
  private(set) var actions: [(time: UInt64, action: Action)] = []
  private(set) var discardedBytes: [Direction: Int] = [:]
  private(set) var decisions: [StageDecision] = []
  private(set) var actionCount = 0
  private var buckets: [String: SharedTokenBucket] = [:]

  init(clock: ManualClock) {
    self.clock = clock
    openedAt = clock.now
  }

  /// Whether reading `direction`'s source is paused now.
  func isPaused(_ direction: Direction) -> Bool {
    let last = actions.last {
      $0.action == .pauseReading(direction) || $0.action == .resumeReading(direction)
    }
    return last?.action == .pauseReading(direction)
  }

  /// The actions without their times.
  var actionList: [Action] { actions.map(\.action) }

  /// The log's actions, in order.
  var loggedActions: [String] { decisions.map(\.action) }

  func pauseReading(_ direction: Direction) { note(.pauseReading(direction)) }
  func resumeReading(_ direction: Direction) { note(.resumeReading(direction)) }
  func abort(resetClient: Bool, resetUpstream: Bool) {
    note(.abort(resetClient: resetClient, resetUpstream: resetUpstream))
  }
  func closeBoth() { note(.closeBoth) }
  func forgetUpstream() { note(.forgetUpstream) }
  func finishAfterLimit(direction: Direction) { note(.finishAfterLimit(direction)) }

  func discarded(_ count: Int, direction: Direction) {
    discardedBytes[direction, default: 0] += count
  }

  func configuredLatency() -> UInt64 { latency }

  func lossRate(on direction: Direction) -> Double { lossRates[direction] ?? 0 }

  private var roundTripEstimates = RoundTripEstimates()
  func roundTripEstimate(of direction: Direction, minimumTimeout: UInt64) -> RoundTripEstimate {
    roundTripEstimates.estimate(of: direction, minimumTimeout: minimumTimeout)
  }

  func sharedBucket(for key: String, direction: Direction, rate: Double) -> SharedTokenBucket {
    let bucketKey = "\(key)/\(direction.rawValue)/\(rate)"
    if let bucket = buckets[bucketKey] { return bucket }
    let bucket = SharedTokenBucket(rate: rate)
    buckets[bucketKey] = bucket
    return bucket
  }

  func countActions(_ count: Int) { actionCount += count }

  func record(_ decision: StageDecision) { decisions.append(decision) }

  private func note(_ action: Action) { actions.append((clock.now, action)) }
}
