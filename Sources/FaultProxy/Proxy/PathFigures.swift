/// The figures of a connection's fault chains that its loss stages read for every chunk, taken once
/// per chain change (a dynamic cast per stage per chunk was the alternative).
struct PathFigures {
  /// The configured delay of every latency fault on both directions.
  var latency: UInt64 = 0
  /// The share of segments the loss faults of each direction lose together.
  var upstreamLoss = 0.0
  var downstreamLoss = 0.0

  init() {}

  init(upstream: [any FaultStage], downstream: [any FaultStage]) {
    for stage in upstream + downstream {
      latency &+= (stage.fault.spec.kind as? LatencyFault)?.delay.nanoseconds ?? 0
    }
    upstreamLoss = Self.combinedLoss(upstream)
    downstreamLoss = Self.combinedLoss(downstream)
  }

  private static func combinedLoss(_ stages: [any FaultStage]) -> Double {
    var kept = 1.0
    for stage in stages {
      if let loss = stage.fault.spec.kind as? LossFault { kept *= 1 - loss.steadyStateRate }
    }
    return 1 - kept
  }
}
