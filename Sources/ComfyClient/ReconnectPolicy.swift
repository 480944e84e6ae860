/// How far apart reconnection attempts are spaced, and how many there are.
///
/// `delay(forAttempt:randomUnit:)` is pure, so the schedule can be checked without a clock:
/// the nominal delay grows from `baseDelay` (exponentially or linearly), is capped at `maxDelay`,
/// then spread by `±jitter` of itself and capped at `maxDelay` again, so `maxDelay` is a hard limit.
public struct ReconnectPolicy: Sendable, Equatable {
  /// How the nominal delay grows with the attempt number.
  public enum Strategy: String, Sendable, Equatable {
    /// `baseDelay × 2^(attempt − 1)`
    case exponential
    /// `baseDelay × attempt`
    case linear
  }

  /// Attempts per reconnection loop; `nil` keeps trying until aborted or destroyed.
  public var maxAttempts: Int?
  public var baseDelay: Duration
  public var maxDelay: Duration
  public var strategy: Strategy
  /// Fraction (0...1) of the nominal delay by which an attempt may come earlier or later.
  public var jitter: Double

  public init(
    maxAttempts: Int? = 10,
    baseDelay: Duration = .milliseconds(500),
    maxDelay: Duration = .seconds(15),
    strategy: Strategy = .exponential,
    jitter: Double = 0.2
  ) {
    self.maxAttempts = maxAttempts
    self.baseDelay = baseDelay
    self.maxDelay = maxDelay
    self.strategy = strategy
    self.jitter = jitter
  }

  /// Throws a `ComfyClientError.invalidConfiguration` naming the first field that makes no sense.
  public func validate() throws(ComfyClientError) {
    if let maxAttempts, maxAttempts < 1 {
      throw .invalidConfiguration(
        field: "reconnectPolicy.maxAttempts", value: "\(maxAttempts)", expected: "nil or ≥ 1")
    }
    if baseDelay < .zero {
      throw .invalidConfiguration(
        field: "reconnectPolicy.baseDelay", value: "\(baseDelay)", expected: "≥ 0")
    }
    if maxDelay < baseDelay {
      throw .invalidConfiguration(
        field: "reconnectPolicy.maxDelay", value: "\(maxDelay)",
        expected: "≥ baseDelay (\(baseDelay))")
    }
    if !(0...1).contains(jitter) {
      throw .invalidConfiguration(
        field: "reconnectPolicy.jitter", value: "\(jitter)", expected: "a fraction in 0...1")
    }
  }

  /// The delay before the attempt numbered `attempt` (1 for the first), without jitter.
  public func nominalDelay(forAttempt attempt: Int) -> Duration {
    let step = max(attempt, 1)
    let factor: Double =
      switch strategy {
      case .exponential: Double(sign: .plus, exponent: min(step - 1, 1000), significand: 1)
      case .linear: Double(step)
      }
    // Decide the cap in floating point (no overflow), compute below it exactly.
    guard baseDelay.seconds * factor < maxDelay.seconds else { return maxDelay }
    return baseDelay * Int(factor)
  }

  /// The delay before attempt `attempt`, with `randomUnit` (in 0...1) choosing the jitter:
  /// 0 gives the earliest time, 0.5 the nominal one, 1 the latest.
  public func delay(forAttempt attempt: Int, randomUnit: Double) -> Duration {
    let nominal = nominalDelay(forAttempt: attempt)
    let unit = min(max(randomUnit, 0), 1)
    let spreadNanoseconds = (nominal.seconds * jitter * (2 * unit - 1) * 1e9).rounded()
    let jittered = nominal + .nanoseconds(Int64(spreadNanoseconds))
    return min(max(jittered, .zero), maxDelay)
  }
}

extension Duration {
  /// The duration in seconds as a floating-point number (attosecond precision is more than we need).
  var seconds: Double {
    let parts = components
    return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
  }
}
