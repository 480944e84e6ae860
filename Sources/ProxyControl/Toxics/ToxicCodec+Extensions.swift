import FaultProxy

/// Faultline's own fault types, with the field names of the profile YAML (docs/profiles.md) and
/// Toxiproxy's units: milliseconds for durations, 0...1 for probabilities.
extension ToxicCodec {
  static func decodeExtension(type: String, _ reader: inout FieldReader) throws(ControlError) -> (
    FaultKind, [String]
  ) {
    switch type {
    case "loss":
      return (.loss(try decodeLoss(&reader)), lossFields(of: reader))
    case "half_open":
      let halfOpen = FaultKind.HalfOpen(
        after: try reader.duration("after") ?? .zero, duration: try reader.duration("duration"),
        reads: try reader.choice("reads", of: [FaultKind.HalfOpenReads.stop, .discard]) ?? .stop,
        side: try reader.choice("side", of: [FaultKind.HalfOpenSide.both, .upstream]) ?? .both)
      return (.halfOpen(halfOpen), ["after", "duration", "reads", "side"])
    case "half_close":
      return (.halfClose, [])
    case "reset":
      let reset = FaultKind.Reset(
        after: try reader.duration("after"),
        afterBytes: try reader.count("after_bytes", in: 0...Int.max / 2),
        probability: try reader.probability("probability") ?? 1,
        side: try reader.choice("side", of: [FaultKind.ResetSide.client, .upstream, .both]) ?? .both
      )
      guard reset.after != nil || reset.afterBytes != nil else {
        throw ControlError.badRequest(
          "attributes.after: a reset needs after (ms) or after_bytes; write \"after\": 0 to reset at once"
        )
      }
      return (.reset(reset), ["after", "after_bytes", "probability", "side"])
    case "refuse":
      return (
        .refuse(
          try reader.choice("mode", of: [FaultKind.RefuseMode.closed, .reset, .blackhole])
            ?? .closed),
        ["mode"]
      )
    case "connect_delay":
      let delay = FaultKind.ConnectDelay(
        delay: try reader.duration("delay") ?? .zero, never: try reader.bool("never") ?? false)
      return (.connectDelay(delay), ["delay", "never"])
    default:
      throw ControlError.invalidToxicType(type)
    }
  }

  private static let independentLossFields = [
    "model", "rate", "correlation", "mode", "rto", "segment_size", "congestion",
  ]
  private static let gilbertElliottFields = [
    "model", "p", "r", "loss_in_bad", "loss_in_good", "mode", "rto", "segment_size", "congestion",
  ]

  private static func lossFields(of reader: FieldReader) -> [String] {
    reader.consumed.contains("p") ? gilbertElliottFields : independentLossFields
  }

  private static func decodeLoss(_ reader: inout FieldReader) throws(ControlError) -> FaultKind.Loss
  {
    let model = try reader.string("model") ?? "independent"
    let mode =
      try reader.choice("mode", of: [FaultKind.LossMode.retransmit, .discard]) ?? .retransmit
    let rto = try reader.duration("rto") ?? .milliseconds(200)
    let segmentSize = try reader.count("segment_size", in: 1...65_535) ?? 1448
    let congestion =
      try reader.choice("congestion", of: FaultKind.CongestionControl.allCases) ?? .cubic
    switch model {
    case "independent":
      return FaultKind.Loss(
        rate: try reader.probability("rate") ?? 0, model: .independent,
        correlation: try reader.probability("correlation") ?? 0, mode: mode,
        retransmissionTimeout: rto,
        segmentSize: segmentSize, congestion: congestion)
    case "gilbert-elliott":
      for field in ["rate", "correlation"] where reader.members[field].map({ $0 != .null }) == true
      {
        throw ControlError.badRequest(
          "attributes.\(field): not used by the gilbert-elliott model (it takes p, r, loss_in_bad, loss_in_good)"
        )
      }
      guard let p = try reader.probability("p"), let r = try reader.probability("r") else {
        throw ControlError.badRequest("attributes.p: the gilbert-elliott model needs both p and r")
      }
      let model = FaultKind.LossModel.gilbertElliott(
        p: p, r: r, lossInBad: try reader.probability("loss_in_bad") ?? 1,
        lossInGood: try reader.probability("loss_in_good") ?? 0)
      return FaultKind.Loss(
        rate: 0, model: model, mode: mode, retransmissionTimeout: rto, segmentSize: segmentSize,
        congestion: congestion)
    default:
      throw reader.invalid("model", .string(model), "\"independent\" or \"gilbert-elliott\"")
    }
  }

  static func encodeExtension(_ kind: FaultKind) -> (type: String, attributes: [String: JSONValue])
  {
    switch kind {
    case .loss(let loss): return ("loss", encodeLoss(loss))
    case .halfOpen(let halfOpen):
      return (
        "half_open",
        [
          "after": .ms(halfOpen.after), "duration": halfOpen.duration.map(JSONValue.ms) ?? .null,
          "reads": .string(halfOpen.reads.rawValue), "side": .string(halfOpen.side.rawValue),
        ]
      )
    case .halfClose: return ("half_close", [:])
    case .reset(let reset):
      return (
        "reset",
        [
          "after": reset.after.map(JSONValue.ms) ?? .null,
          "after_bytes": reset.afterBytes.map { .number(Double($0)) } ?? .null,
          "probability": .number(reset.probability), "side": .string(reset.side.rawValue),
        ]
      )
    case .refuse(let mode): return ("refuse", ["mode": .string(mode.rawValue)])
    case .connectDelay(let delay):
      return ("connect_delay", ["delay": .ms(delay.delay), "never": .bool(delay.never)])
    default:
      // Every other kind is one of Toxiproxy's types, encoded by `encode`.
      return encode(kind)
    }
  }

  private static func encodeLoss(_ loss: FaultKind.Loss) -> [String: JSONValue] {
    var attributes: [String: JSONValue] = [
      "mode": .string(loss.mode.rawValue), "rto": .ms(loss.retransmissionTimeout),
      "segment_size": .number(Double(loss.segmentSize)),
      "congestion": .string(loss.congestion.rawValue),
    ]
    switch loss.model {
    case .independent:
      attributes["model"] = .string("independent")
      attributes["rate"] = .number(loss.rate)
      attributes["correlation"] = .number(loss.correlation)
    case .gilbertElliott(let p, let r, let lossInBad, let lossInGood):
      attributes["model"] = .string("gilbert-elliott")
      attributes["p"] = .number(p)
      attributes["r"] = .number(r)
      attributes["loss_in_bad"] = .number(lossInBad)
      attributes["loss_in_good"] = .number(lossInGood)
    }
    return attributes
  }
}
