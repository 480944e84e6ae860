/// netem's correlated random numbers (`get_crandom` in `sch_netem.c`): each value leans on the last,
/// `next = (1 − ρ)·u + ρ·last`, so consecutive delays drift instead of jumping.
///
/// As in netem, mixing pulls values toward the middle, so a correlated distribution is narrower than
/// the uncorrelated one; that is netem's behaviour and kept for compatibility.
public struct CorrelatedUniform: Sendable, Hashable {
  /// ρ in 0...1.
  public let correlation: Double
  private var last: Double?

  public init(correlation: Double) {
    self.correlation = min(max(correlation, 0), 1)
  }

  /// Mixes a fresh uniform draw in [0, 1) with the previous result; the first value passes unchanged.
  public mutating func next(_ uniform: Double) -> Double {
    guard correlation > 0, let last else {
      last = uniform
      return uniform
    }
    let value = (1 - correlation) * uniform + correlation * last
    self.last = value
    return value
  }
}
