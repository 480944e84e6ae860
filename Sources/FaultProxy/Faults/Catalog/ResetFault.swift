/// Close with RST after a time, after a number of bytes, or for a share of connections.
public struct ResetFault: Fault {
  /// Which peer receives the reset.
  public enum Side: String, Sendable, Hashable, CaseIterable {
    case client, upstream, both
  }

  /// Time since the connection opened.
  public var after: Duration?
  /// Bytes passed in the fault's direction(s).
  public var afterBytes: Int?
  /// Probability per connection that the reset happens at all (independent of toxicity).
  public var probability: Double
  public var side: Side

  public init(
    after: Duration? = nil, afterBytes: Int? = nil, probability: Double = 1, side: Side = .both
  ) {
    self.after = after
    self.afterBytes = afterBytes
    self.probability = probability
    self.side = side
  }

  public func validated(given: Set<String>) throws(FaultFieldError) -> ResetFault {
    guard after != nil || afterBytes != nil || probability < 1 else {
      throw FaultFieldError(
        field: "after",
        "a reset fault needs \"after\", \"after_bytes\" or a \"probability\" below 1, or it resets "
          + "every connection at once; write \"after: 0s\" if that is what you want")
    }
    return self
  }

  public static let definition = FaultDefinition<ResetFault>(
    type: "reset",
    summary: "closes with RST after a time, after some bytes, or for a share of connections",
    defaults: ResetFault(),
    example: ResetFault(
      after: .seconds(2), afterBytes: 10_000, probability: 0.5, side: .client),
    fields: [
      FaultField(
        "after", \.after, .optional(.duration()), doc: "time since the connection opened"),
      FaultField(
        "after_bytes", \.afterBytes, .optional(.byteSize()),
        doc: "bytes passed in the fault's direction(s)"),
      FaultField(
        "probability", \.probability, .probability,
        doc: "share of connections that are reset (separate from toxicity)"),
      FaultField("side", \.side, .choice, doc: "which peer gets the RST: client, upstream or both"),
    ],
    behaviour: .stage { fault, context in ResetStage(context: context, reset: fault) })
}
