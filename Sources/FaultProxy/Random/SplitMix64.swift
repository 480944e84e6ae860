/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast 64-bit generator whose output for a given
/// state is a pure function, so any output can be computed directly without running the stream.
///
/// It is the mixer behind every random decision of the proxy; it is not cryptographic.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
  /// The golden-ratio increment added to the state before each output.
  public static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

  public private(set) var state: UInt64

  public init(state: UInt64) {
    self.state = state
  }

  public mutating func next() -> UInt64 {
    state &+= Self.gamma
    return Self.mix(state)
  }

  /// The SplitMix64 output function: a bijection that scatters every input bit over the whole word.
  public static func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Mixes `value` into `hash` so that different sequences of values give unrelated results.
  static func combine(_ hash: UInt64, _ value: UInt64) -> UInt64 {
    // Each step is a bijection in `value` for a fixed `hash`, so two tuples that differ in one
    // element never collide on that step.
    mix(hash ^ mix(value &+ gamma))
  }
}

extension UInt64 {
  /// The top 53 bits as a Double in [0, 1): every value a Double can hold exactly, evenly spaced.
  var unitInterval: Double {
    Double(self >> 11) * 0x1.0p-53
  }
}
