/// What a fault stage may see and do beyond passing chunks on: its fault, its own random decisions,
/// time (`clock`), and the connection it belongs to (`host`). The one thing a stage's init receives.
/// Loop-confined.
final class StageContext {
  let fault: ActiveFault
  /// Random decisions of this fault, in this direction, on this connection.
  let key: DecisionKey
  /// The direction the stage's bytes flow in.
  let direction: Direction
  let clock: any StageClock
  /// Unowned: the host owns the stages, which own their contexts.
  unowned let host: any StageHost
  /// When the stage was created (monotonic nanoseconds).
  let appliedAt: UInt64

  init(
    fault: ActiveFault, key: DecisionKey, direction: Direction, clock: any StageClock,
    host: any StageHost
  ) {
    self.fault = fault
    self.key = key
    self.direction = direction
    self.clock = clock
    self.host = host
    appliedAt = clock.now
  }

  /// A stage of `pipe` on the live connection `pair`, on its loop's scheduler.
  convenience init(pair: ConnectionPair, pipe: Pipe, fault: ActiveFault, key: DecisionKey) {
    self.init(
      fault: fault, key: key, direction: pipe.direction, clock: pair.worker.scheduler, host: pair)
  }

  /// Records a decision in the event log and the proxy's counters. A decision about bytes gives
  /// `arrival`, when they reached the proxy, so the log says which faults were in effect for them.
  func log(
    _ action: String, bytes: Int = 0, offset: UInt64? = nil, value: Double? = nil,
    arrival: UInt64? = nil
  ) {
    countActions(1)
    guard isLogging else { return }
    record(action, bytes: bytes, offset: offset, value: value, arrival: arrival)
  }

  /// Adds decisions to the proxy's counter; a stage taking many per chunk adds them once.
  func countActions(_ count: Int) {
    host.countActions(count)
  }

  /// Whether the event log wants decisions; read once per chunk by stages that decide per packet.
  var isLogging: Bool { host.isLogging }

  /// Writes a decision to the event log without counting it (see `countActions`).
  func record(
    _ action: String, bytes: Int = 0, offset: UInt64? = nil, value: Double? = nil,
    arrival: UInt64? = nil
  ) {
    host.record(
      StageDecision(
        direction: direction, fault: fault.spec.name, action: action, bytes: bytes, offset: offset,
        value: value, time: arrival ?? clock.now))
  }

  /// The stage threw `count` bytes away on purpose: the only way a stage may lose bytes.
  func discarded(_ count: Int) {
    host.discarded(count, direction: direction)
  }
}
