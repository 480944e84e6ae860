/// The root of one independent stream of random decisions (one connection, direction and fault).
///
/// Draws can be taken two ways that agree with each other: `generator()` runs the stream, and
/// `bits(at:)` / `uniform(at:)` compute draw number `index` directly. Keying a decision to a segment
/// number or byte offset with `uniform(at:)` makes it independent of how reads happened to split the
/// stream.
public struct DecisionKey: Sendable, Hashable {
  public let rawValue: UInt64

  public init(rawValue: UInt64) {
    self.rawValue = rawValue
  }

  /// Draw number `index` (0-based) as 64 random bits; equal to output `index` of `generator()`.
  public func bits(at index: UInt64) -> UInt64 {
    SplitMix64.mix(rawValue &+ (index &+ 1) &* SplitMix64.gamma)
  }

  /// Draw number `index` as a Double in [0, 1).
  public func uniform(at index: UInt64) -> Double {
    bits(at: index).unitInterval
  }

  /// True with probability `probability` for draw `index`: always for 1, never for 0.
  public func occurs(withProbability probability: Double, at index: UInt64 = 0) -> Bool {
    uniform(at: index) < probability
  }

  /// The stream as a generator, for code that consumes draws in sequence.
  public func generator() -> SplitMix64 {
    SplitMix64(state: rawValue)
  }

  /// An independent key for one kind of decision (such as "toxicity" or "delay"), so kinds never share draws.
  public func derived(_ label: String) -> DecisionKey {
    DecisionKey(rawValue: SplitMix64.combine(rawValue, Self.fnv1a(label)))
  }

  /// FNV-1a of the UTF-8 bytes: a stable label hash (Swift's `Hasher` changes from run to run).
  static func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
      hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
    return hash
  }
}
