/// Decides, segment by segment, whether a segment is lost, for the loss models of `LossFault.Model`.
///
/// Feed it one 64-bit draw per segment in stream order (the loss stage takes them from its seeded
/// generator); the high 32 bits drive the state (correlation or Gilbert-Elliott transition), the low 32 bits the loss itself.
///
/// - independent: each segment is lost with probability `rate`. With correlation ρ a segment repeats the
///   previous segment's fate with probability ρ and is drawn afresh otherwise, so the long-run loss stays
///   `rate` and the lag-1 autocorrelation of losses is ρ. netem instead mixes uniforms (`get_crandom`),
///   which pulls draws toward 0.5 and loses far fewer segments than `rate` at high correlation; for loss we
///   keep the configured rate, for delay (`DelaySampler`) we keep netem's behaviour.
/// - Gilbert-Elliott: as netem's `loss_gilb_ell`: in the good state a segment is lost with `lossInGood`
///   and the chain moves to bad with `p`; in the bad state it is lost with `lossInBad` and moves to good
///   with `r`. The state at the start of a segment decides its loss.
public struct LossDecider: Sendable, Hashable {
  public let loss: LossFault
  /// Gilbert-Elliott: whether the chain is in the bad (bursty) state.
  public private(set) var inBadState = false
  private var previousLost: Bool?

  public init(_ loss: LossFault) {
    self.loss = loss
  }

  /// Whether the next segment is lost.
  public mutating func isLost(draw: UInt64) -> Bool {
    let stateDraw = Double(draw >> 32) * 0x1.0p-32
    let lossDraw = Double(draw & 0xFFFF_FFFF) * 0x1.0p-32
    switch loss.model {
    case .independent:
      if let previousLost, stateDraw < loss.correlation { return previousLost }
      let lost = lossDraw < loss.rate
      previousLost = lost
      return lost
    case .gilbertElliott:
      let lost = lossDraw < (inBadState ? loss.lossInBad : loss.lossInGood)
      inBadState = inBadState ? !(stateDraw < loss.r) : stateDraw < loss.p
      return lost
    }
  }
}
