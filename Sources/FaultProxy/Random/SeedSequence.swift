/// One run's seed, split into an independent stream of decisions per connection, direction and fault.
///
/// The same seed and the same traffic give the same decisions: a connection's stream depends only on
/// its index, the direction and the fault's position in the profile, never on timing or read sizes.
public struct SeedSequence: Sendable, Hashable {
  public let seed: UInt64

  public init(seed: UInt64) {
    self.seed = seed
  }

  /// A fresh seed for runs that were not given one (printed so the run can be replayed).
  public static func randomSeed() -> UInt64 {
    var generator = SystemRandomNumberGenerator()
    return generator.next()
  }

  /// Decisions of fault number `fault` for bytes flowing in `direction` on connection number `connection`.
  public func key(connection: UInt64, direction: Direction, fault: Int) -> DecisionKey {
    key(connection: connection, scope: direction == .upstream ? 1 : 2, fault: fault)
  }

  /// Decisions taken once for the whole connection, such as whether a fault applies (its toxicity).
  public func connectionKey(connection: UInt64, fault: Int) -> DecisionKey {
    key(connection: connection, scope: 0, fault: fault)
  }

  private func key(connection: UInt64, scope: UInt64, fault: Int) -> DecisionKey {
    var hash = SplitMix64.mix(seed ^ 0x6661_756C_746C_696E)  // "faultlin": keeps seed 0 away from state 0.
    hash = SplitMix64.combine(hash, connection)
    hash = SplitMix64.combine(hash, scope)
    hash = SplitMix64.combine(hash, UInt64(bitPattern: Int64(fault)))
    return DecisionKey(rawValue: hash)
  }
}
