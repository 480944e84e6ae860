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
    let proxy = pair.proxy
    proxy.counters.faultActions.add(1, ordering: .relaxed)
    let engine = proxy.engine
    guard engine.eventLog.isEnabled else { return }
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
