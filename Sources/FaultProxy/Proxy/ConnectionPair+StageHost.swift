/// The live connection as its fault stages' host.
extension ConnectionPair: StageHost {
  func pauseReading(_ direction: Direction) {
    pipe(for: direction).pause(.silenced)
  }

  func resumeReading(_ direction: Direction) {
    pipe(for: direction).resume(.silenced)
  }

  func discarded(_ count: Int, direction: Direction) {
    pipe(for: direction).discarded(count)
  }

  func configuredLatency() -> UInt64 { pathFigures.latency }

  func lossRate(on direction: Direction) -> Double {
    direction == .upstream ? pathFigures.upstreamLoss : pathFigures.downstreamLoss
  }

  func roundTripEstimate(of direction: Direction, minimumTimeout: UInt64) -> RoundTripEstimate {
    roundTripEstimates.estimate(of: direction, minimumTimeout: minimumTimeout)
  }

  func sharedBucket(for key: String, direction: Direction, rate: Double) -> SharedTokenBucket {
    proxy.sharedBucket(for: key, direction: direction, rate: rate)
  }

  var isLogging: Bool { proxy.engine.eventLog.isEnabled }

  func countActions(_ count: Int) {
    proxy.counters.faultActions.add(UInt64(count), ordering: .relaxed)
  }

  func record(_ decision: StageDecision) {
    let engine = proxy.engine
    engine.eventLog.record(
      FaultEvent(
        time: engine.elapsedMilliseconds(at: decision.time), proxy: proxy.name, connection: index,
        direction: decision.direction, fault: decision.fault, action: decision.action,
        bytes: decision.bytes, offset: decision.offset, value: decision.value))
  }
}
