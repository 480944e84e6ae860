/// Draws the delay of each chunk for a latency fault, the way Linux netem's `tabledist` does.
///
/// uniform: `delay ± jitter` evenly; normal, pareto, paretonormal: `delay + jitter · t(u)` with netem's
/// shapes (`NetemDistribution`); correlation mixes each uniform draw with the previous one first
/// (`CorrelatedUniform`). A delay below zero becomes zero. Feed it one uniform draw per chunk, keyed to
/// the chunk's position in the stream (`DecisionKey.uniform(at:)`).
public struct DelaySampler: Sendable, Hashable {
  public let latency: LatencyFault
  private var correlated: CorrelatedUniform

  public init(_ latency: LatencyFault) {
    self.latency = latency
    self.correlated = CorrelatedUniform(correlation: latency.correlation)
  }

  /// The delay for the next chunk, given a fresh uniform draw in [0, 1).
  public mutating func next(uniform: Double) -> Duration {
    let jitter = Self.nanoseconds(latency.jitter)
    // netem returns the mean without drawing when there is no jitter; so do we.
    guard jitter > 0 else { return latency.delay }
    let u = correlated.next(uniform)
    let t: Double
    switch latency.distribution {
    case .uniform: t = 2 * u - 1
    case .normal: t = NetemDistribution.normal(u)
    case .pareto: t = NetemDistribution.pareto(u)
    case .paretonormal: t = NetemDistribution.paretoNormal(u)
    }
    let delay = Self.nanoseconds(latency.delay) + jitter * t
    return .nanoseconds(Int64(max(delay, 0).rounded()))
  }

  static func nanoseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
  }
}
