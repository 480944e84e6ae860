import FaultProxy
import Yams

/// The loss models a profile can name.
enum LossModelName: String {
  case independent
  case gilbertElliott = "gilbert-elliott"
}

/// Segment loss: the independent model or Gilbert-Elliott, and what a lost segment does.
extension FaultKindParser {
  func loss() -> FaultKind? {
    let models: [LossModelName] = [.independent, .gilbertElliott]
    let chosenModel = reader.optional(
      "model", ValueReaders.choice(LossModelName.self, among: models))
    if reader.contains("model"), chosenModel == nil { return nil }
    let modelName = chosenModel ?? .independent
    let mode =
      reader.optional(
        "mode", ValueReaders.choice(FaultKind.LossMode.self, among: [.retransmit, .discard]))
      ?? .retransmit
    let timeout = reader.optional("rto", DurationText.readPositive) ?? .milliseconds(200)
    let segmentSize = reader.optional("segment_size", ByteSizeText.readPositive) ?? 1448
    let congestion =
      reader.optional(
        "congestion",
        ValueReaders.choice(
          FaultKind.CongestionControl.self, among: FaultKind.CongestionControl.allCases)) ?? .cubic

    switch modelName {
    case .independent:
      for key in ["p", "r", "loss_in_bad", "loss_in_good"] {
        reader.reportIfPresent(
          key,
          reason:
            "\"\(key)\" is a Gilbert-Elliott parameter; add \"model: gilbert-elliott\" or remove it"
        )
      }
      let rate = reader.required("rate", example: "rate: 2%", ProbabilityText.read)
      let correlation = reader.optional("correlation", ProbabilityText.read) ?? 0
      guard let rate else { return nil }
      return .loss(
        .init(
          rate: rate, model: .independent, correlation: correlation, mode: mode,
          retransmissionTimeout: timeout, segmentSize: segmentSize, congestion: congestion))
    case .gilbertElliott:
      reader.reportIfPresent(
        "rate",
        reason:
          "\"rate\" is not used by the Gilbert-Elliott model: its loss rate follows from p, r, "
          + "loss_in_bad and loss_in_good; remove it")
      reader.reportIfPresent(
        "correlation",
        reason:
          "\"correlation\" applies to the independent model; Gilbert-Elliott expresses bursts with p and r"
      )
      let p = reader.required("p", example: "p: 1%", ProbabilityText.read)
      let r = reader.required("r", example: "r: 30%", ProbabilityText.read)
      let lossInBad = reader.optional("loss_in_bad", ProbabilityText.read) ?? 1
      let lossInGood = reader.optional("loss_in_good", ProbabilityText.read) ?? 0
      guard let p, let r else { return nil }
      let model = FaultKind.LossModel.gilbertElliott(
        p: p, r: r, lossInBad: lossInBad, lossInGood: lossInGood)
      return .loss(
        .init(
          rate: Self.steadyStateLoss(p: p, r: r, lossInBad: lossInBad, lossInGood: lossInGood),
          model: model,
          correlation: 0, mode: mode, retransmissionTimeout: timeout, segmentSize: segmentSize,
          congestion: congestion))
    }
  }

  /// The long-run share of lost segments: the bad state is occupied p / (p + r) of the time.
  static func steadyStateLoss(p: Double, r: Double, lossInBad: Double, lossInGood: Double) -> Double
  {
    guard p + r > 0 else { return lossInGood }
    let bad = p / (p + r)
    return bad * lossInBad + (1 - bad) * lossInGood
  }
}
