/// What a fault stage may see and do beyond passing chunks on: time, its own random decisions, the
/// connection it belongs to, and the event log. Loop-confined.
final class StageContext {
  unowned let pair: ConnectionPair
  unowned let pipe: Pipe
  let fault: ActiveFault
  /// Random decisions of this fault, in this direction, on this connection.
  let key: DecisionKey
  /// When the stage was created (monotonic nanoseconds).
  let appliedAt: UInt64

  init(pair: ConnectionPair, pipe: Pipe, fault: ActiveFault, key: DecisionKey) {
    self.pair = pair
    self.pipe = pipe
    self.fault = fault
    self.key = key
    appliedAt = MonotonicClock.now()
  }

  var direction: Direction { pipe.direction }
  var scheduler: PreciseScheduler { pair.worker.scheduler }

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
    pair.proxy.counters.faultActions.add(UInt64(count), ordering: .relaxed)
  }

  /// Whether the event log wants decisions; read once per chunk by stages that decide per packet.
  var isLogging: Bool { pair.proxy.engine.eventLog.isEnabled }

  /// Writes a decision to the event log without counting it (see `countActions`).
  func record(
    _ action: String, bytes: Int = 0, offset: UInt64? = nil, value: Double? = nil,
    arrival: UInt64? = nil
  ) {
    let proxy = pair.proxy
    let engine = proxy.engine
    engine.eventLog.record(
      FaultEvent(
        time: engine.elapsedMilliseconds(at: arrival ?? MonotonicClock.now()), proxy: proxy.name,
        connection: pair.index,
        direction: direction,
        fault: fault.spec.name, action: action, bytes: bytes, offset: offset, value: value))
  }

  /// The stage threw `count` bytes away on purpose.
  func discarded(_ count: Int) {
    pipe.discarded(count)
  }
}
