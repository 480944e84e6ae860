import Testing

@testable import FaultProxy

@Suite("Segment loss decisions")
struct LossDeciderTests {
  static let key = SeedSequence(seed: 7).key(connection: 1, direction: .upstream, fault: 3)

  /// Loss decisions for `count` segments, one keyed draw per segment.
  static func decisions(_ loss: LossFault, count: UInt64 = 200_000, key: DecisionKey = key)
    -> [Bool]
  {
    var decider = LossDecider(loss)
    return (0..<count).map { decider.isLost(draw: key.bits(at: $0)) }
  }

  @Test("independent loss hits the configured rate with no correlation between segments")
  func independent() {
    let statistics = SampleStatistics(Self.decisions(.init(rate: 0.02)))
    #expect(abs(statistics.mean - 0.02) < 0.0025)
    #expect(abs(statistics.lag1Autocorrelation) < 0.015)
  }

  @Test("correlated loss keeps the rate and makes losses come in bursts (lag-1 autocorrelation ρ)")
  func correlated() {
    let statistics = SampleStatistics(Self.decisions(.init(rate: 0.2, correlation: 0.75)))
    #expect(abs(statistics.mean - 0.2) < 0.017)
    #expect(abs(statistics.lag1Autocorrelation - 0.75) < 0.03)
  }

  @Test(
    "Gilbert-Elliott average loss matches the steady state p/(p+r)·(1−h) + r/(p+r)·(1−k)",
    arguments: [(0.01, 0.1, 1.0, 0.0), (0.05, 0.3, 0.5, 0.01), (0.002, 0.5, 1.0, 0.0)])
  func gilbertElliott(p: Double, r: Double, lossInBad: Double, lossInGood: Double) {
    let model = LossFault.gilbertElliott(p: p, r: r, lossInBad: lossInBad, lossInGood: lossInGood)
    let statistics = SampleStatistics(Self.decisions(model, count: 400_000))
    let bad = p / (p + r)
    let expected = bad * lossInBad + (1 - bad) * lossInGood
    // Bursts reduce the effective sample size by (1 + λ)/(1 − λ) with λ = 1 − p − r; allow 5 standard errors.
    let persistence = 1 - p - r
    let standardError =
      (expected * (1 - expected) / 400_000 * (1 + persistence) / (1 - persistence)).squareRoot()
    #expect(
      abs(statistics.mean - expected) < 5 * standardError,
      "expected \(expected), got \(statistics.mean)")
  }

  @Test(
    "Gilbert-Elliott losses come in bursts of mean length 1/r when the bad state loses everything")
  func gilbertElliottBursts() {
    let decisions = Self.decisions(
      .gilbertElliott(p: 0.01, r: 0.25, lossInBad: 1, lossInGood: 0))
    var bursts: [Int] = []
    var run = 0
    for lost in decisions {
      if lost {
        run += 1
      } else if run > 0 {
        bursts.append(run)
        run = 0
      }
    }
    let meanBurst = Double(bursts.reduce(0, +)) / Double(bursts.count)
    #expect(bursts.count > 300)
    #expect(abs(meanBurst - 4) < 0.4)
  }

  @Test("the same draws give the same losses")
  func determinism() {
    let loss = LossFault.gilbertElliott(p: 0.02, r: 0.2, lossInBad: 0.8, lossInGood: 0.001)
    #expect(Self.decisions(loss, count: 5_000) == Self.decisions(loss, count: 5_000))
    let other = SeedSequence(seed: 8).key(connection: 1, direction: .upstream, fault: 3)
    #expect(Self.decisions(loss, count: 5_000) != Self.decisions(loss, count: 5_000, key: other))
  }
}
