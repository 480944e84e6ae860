import Foundation
import Testing

@testable import FaultProxy

@Suite("netem-compatible delay sampling")
struct DelaySamplerTests {
  static let key = SeedSequence(seed: 42).key(connection: 0, direction: .downstream, fault: 0)
  static let count: UInt64 = 20_000

  /// Delays in milliseconds for `count` chunks, one keyed draw per chunk.
  static func delays(_ latency: LatencyFault, key: DecisionKey = key) -> [Double] {
    var sampler = DelaySampler(latency)
    return (0..<count).map { sampler.next(uniform: key.uniform(at: $0)).milliseconds }
  }

  static func latency(_ distribution: LatencyFault.Distribution, correlation: Double = 0)
    -> LatencyFault
  {
    .init(
      delay: .milliseconds(100), jitter: .milliseconds(20), distribution: distribution,
      correlation: correlation)
  }

  /// Mean and standard deviation of netem's capped Pareto shape t = (min(X, c) − 1.5) · 4/3, X ~ Pareto(3, 1).
  static var paretoMoments: (mean: Double, standardDeviation: Double) {
    let cap = 1.5 + NetemDistribution.highest * 3 / 4
    let mean = 1 + (1 - 1 / (cap * cap)) / 2  // ∫ P(X > x) dx up to the cap
    let secondMoment = 1 + 2 * (1 - 1 / cap)  // ∫ 2x P(X > x) dx up to the cap
    let variance = secondMoment - mean * mean
    return ((mean - 1.5) * 4 / 3, variance.squareRoot() * 4 / 3)
  }

  @Test("uniform: delay ± jitter, standard deviation jitter/√3")
  func uniform() {
    let delays = Self.delays(Self.latency(.uniform))
    let statistics = SampleStatistics(delays)
    #expect(delays.allSatisfy { (80..<120).contains($0) })
    #expect(abs(statistics.mean - 100) < 0.5)
    #expect(
      abs(statistics.standardDeviation - 20 / 3.0.squareRoot()) / (20 / 3.0.squareRoot()) < 0.03)
  }

  @Test("normal: mean delay, standard deviation jitter, within netem's ±4σ table")
  func normal() {
    let delays = Self.delays(Self.latency(.normal))
    let statistics = SampleStatistics(delays)
    #expect(delays.allSatisfy { (20...180).contains($0) })
    #expect(abs(statistics.mean - 100) < 0.7)
    #expect(abs(statistics.standardDeviation - 20) / 20 < 0.03)
  }

  @Test("pareto: netem's shifted Pareto(3) shape, from delay − 2/3·jitter, with its capped moments")
  func pareto() {
    let delays = Self.delays(Self.latency(.pareto))
    let statistics = SampleStatistics(delays)
    let moments = Self.paretoMoments
    #expect(
      delays.allSatisfy {
        $0 >= 100 - 20 * 2 / 3 - 1e-6 && $0 <= 100 + 20 * NetemDistribution.highest + 1e-6
      })
    #expect(abs(statistics.mean - (100 + 20 * moments.mean)) < 0.8)
    #expect(
      abs(statistics.standardDeviation - 20 * moments.standardDeviation)
        / (20 * moments.standardDeviation) < 0.05)
  }

  @Test("paretonormal: a quarter normal, three quarters Pareto, quantile by quantile")
  func paretoNormal() {
    for u in stride(from: 0.001, to: 1, by: 0.0497) {
      let expected = (NetemDistribution.normal(u) + 3 * NetemDistribution.pareto(u)) / 4
      #expect(abs(NetemDistribution.paretoNormal(u) - expected) < 1e-12)
    }
    let statistics = SampleStatistics(Self.delays(Self.latency(.paretonormal)))
    #expect(abs(statistics.mean - (100 + 20 * 0.75 * Self.paretoMoments.mean)) < 0.8)
  }

  @Test("the normal quantile inverts the normal CDF")
  func normalQuantile() {
    for p in [1e-6, 0.001, 0.02, 0.0243, 0.1, 0.3, 0.5, 0.7, 0.9, 0.98, 0.999] {
      let x = NetemDistribution.standardNormalQuantile(p)
      let cdf = 0.5 * erfc(-x / 2.0.squareRoot())
      #expect(abs(cdf - p) / p < 1e-6, "p = \(p), x = \(x)")
    }
  }

  @Test("delays are never negative, even when jitter exceeds the delay")
  func neverNegative() {
    for distribution in LatencyFault.Distribution.allCases {
      let latency = LatencyFault(
        delay: .milliseconds(10), jitter: .milliseconds(50), distribution: distribution)
      let delays = Self.delays(latency)
      #expect(delays.allSatisfy { $0 >= 0 })
      #expect(delays.contains(0))
    }
  }

  @Test("no jitter means exactly the delay")
  func noJitter() {
    let delays = Self.delays(
      .init(delay: .microseconds(82_500), distribution: .normal, correlation: 0.5))
    #expect(delays.allSatisfy { $0 == 82.5 })
  }

  @Test(
    "correlation raises lag-1 autocorrelation and narrows the spread, as netem's get_crandom does")
  func correlation() {
    let independent = SampleStatistics(Self.delays(Self.latency(.uniform)))
    let correlated = SampleStatistics(Self.delays(Self.latency(.uniform, correlation: 0.75)))
    #expect(abs(independent.lag1Autocorrelation) < 0.035)
    // Uniform delay is linear in the mixed draw, an AR(1) process whose lag-1 autocorrelation is ρ.
    #expect(abs(correlated.lag1Autocorrelation - 0.75) < 0.03)
    // Stationary spread of (1 − ρ)·u + ρ·last shrinks by (1 − ρ) / √(1 − ρ²).
    let expectedRatio = 0.25 / (1 - 0.75 * 0.75).squareRoot()
    #expect(
      abs(correlated.standardDeviation / independent.standardDeviation - expectedRatio) < 0.04)
    #expect(abs(correlated.mean - 100) < 1)

    let normalCorrelated = SampleStatistics(Self.delays(Self.latency(.normal, correlation: 0.5)))
    #expect(normalCorrelated.lag1Autocorrelation > 0.4)
  }

  @Test("the same key gives the same delays; another direction gives others")
  func determinism() {
    let latency = Self.latency(.paretonormal, correlation: 0.25)
    let other = SeedSequence(seed: 42).key(connection: 0, direction: .upstream, fault: 0)
    #expect(Self.delays(latency) == Self.delays(latency))
    #expect(Self.delays(latency) != Self.delays(latency, key: other))
  }
}
