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

  func configuredLatency() -> UInt64 {
    // Called for every chunk of a loss stage: walks the two pipes' stages without building a list.
    var total: UInt64 = 0
    for stage in upstreamPipe.stages { total &+= Self.configuredDelay(of: stage) }
    for stage in downstreamPipe.stages { total &+= Self.configuredDelay(of: stage) }
    return total
  }

  func lossRate(on direction: Direction) -> Double {
    var kept = 1.0
    for stage in pipe(for: direction).stages {
      if let loss = stage.fault.spec.kind as? LossFault { kept *= 1 - loss.steadyStateRate }
    }
    return 1 - kept
  }

  private static func configuredDelay(of stage: any FaultStage) -> UInt64 {
    (stage.fault.spec.kind as? LatencyFault)?.delay.nanoseconds ?? 0
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
