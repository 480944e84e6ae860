import Testing

@testable import FaultProxy

@Suite("Seeded decision streams")
struct SeedSequenceTests {
  static let seeds = SeedSequence(seed: 0xFA17_11E5)

  @Test("SplitMix64 matches its published reference outputs (seed 1234567)")
  func splitMixReference() {
    // Rosetta Code, "Pseudo-random numbers/Splitmix64", from Vigna's splitmix64.c.
    var generator = SplitMix64(state: 1_234_567)
    let outputs = (0..<5).map { _ in generator.next() }
    #expect(
      outputs == [
        6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
        4_593_380_528_125_082_431, 16_408_922_859_458_223_821,
      ])
  }

  @Test("FNV-1a label hashes match the reference values")
  func fnvReference() {
    #expect(DecisionKey.fnv1a("") == 0xCBF2_9CE4_8422_2325)
    #expect(DecisionKey.fnv1a("a") == 0xAF63_DC4C_8601_EC8C)
    #expect(DecisionKey.fnv1a("foobar") == 0x8594_4171_F739_67E8)
  }

  @Test("direct draws equal the stream's draws at the same index")
  func directDrawsMatchStream() {
    let key = Self.seeds.key(connection: 7, direction: .downstream, fault: 2)
    var generator = key.generator()
    for index in 0..<200 as Range<UInt64> {
      #expect(key.bits(at: index) == generator.next())
    }
  }

  @Test("the same seed gives the same decisions")
  func sameSeedSameDecisions() {
    let again = SeedSequence(seed: 0xFA17_11E5)
    for connection in 0..<20 as Range<UInt64> {
      let first = Self.seeds.key(connection: connection, direction: .upstream, fault: 1)
      let second = again.key(connection: connection, direction: .upstream, fault: 1)
      #expect((0..<32).map(first.bits(at:)) == (0..<32).map(second.bits(at:)))
    }
  }

  @Test("each connection, direction, fault, scope and seed gets its own stream")
  func streamsAreDistinct() {
    var firstDraws: Set<UInt64> = []
    var keyCount = 0
    for connection in 0..<300 as Range<UInt64> {
      for fault in 0..<8 {
        let keys =
          Direction.allCases.map {
            Self.seeds.key(connection: connection, direction: $0, fault: fault)
          }
          + [Self.seeds.connectionKey(connection: connection, fault: fault)]
        for key in keys {
          firstDraws.insert(key.bits(at: 0))
          keyCount += 1
        }
      }
    }
    #expect(firstDraws.count == keyCount)

    let base = Self.seeds.key(connection: 1, direction: .upstream, fault: 0)
    let variants = [
      Self.seeds.key(connection: 2, direction: .upstream, fault: 0),
      Self.seeds.key(connection: 1, direction: .downstream, fault: 0),
      Self.seeds.key(connection: 1, direction: .upstream, fault: 1),
      SeedSequence(seed: 0xFA17_11E6).key(connection: 1, direction: .upstream, fault: 0),
      base.derived("toxicity"),
    ]
    for variant in variants {
      let shared = zip((0..<64).map(base.bits(at:)), (0..<64).map(variant.bits(at:))).filter {
        $0 == $1
      }
      #expect(shared.isEmpty)
    }
    #expect(base.derived("delay") == base.derived("delay"))
    #expect(base.derived("delay") != base.derived("loss"))
  }

  @Test("uniform draws are in [0, 1), with mean 1/2, variance 1/12 and no lag-1 correlation")
  func uniformDraws() {
    let key = Self.seeds.key(connection: 3, direction: .upstream, fault: 0)
    let draws = (0..<20_000 as Range<UInt64>).map(key.uniform(at:))
    #expect(draws.allSatisfy { (0..<1).contains($0) })
    let statistics = SampleStatistics(draws)
    // Bounds are about 5 standard errors wide for 20k samples.
    #expect(abs(statistics.mean - 0.5) < 0.01)
    #expect(abs(statistics.standardDeviation - (1.0 / 12).squareRoot()) < 0.005)
    #expect(abs(statistics.lag1Autocorrelation) < 0.035)
  }

  @Test("occurs(withProbability:) is certain at 1, impossible at 0 and proportional between")
  func occurs() {
    let keys = (0..<20_000 as Range<UInt64>).map {
      Self.seeds.connectionKey(connection: $0, fault: 0)
    }
    #expect(keys.allSatisfy { $0.occurs(withProbability: 1) })
    #expect(!keys.contains { $0.occurs(withProbability: 0) })
    let share = Double(keys.filter { $0.occurs(withProbability: 0.3) }.count) / Double(keys.count)
    #expect(abs(share - 0.3) < 0.017)
  }
}
