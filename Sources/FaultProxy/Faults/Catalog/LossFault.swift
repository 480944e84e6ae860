/// Segment loss, modelled on segments of the stream (1448 bytes by default).
public struct LossFault: Fault {
  /// Which segments are lost.
  public enum Model: String, Sendable, Hashable, CaseIterable {
    /// Each segment lost with probability `rate`, optionally correlated with the previous draw.
    case independent
    /// Gilbert-Elliott: `p` good→bad, `r` bad→good, loss probability `lossInBad` in bad and
    /// `lossInGood` in good (netem `gemodel p r 1-h 1-k`).
    case gilbertElliott = "gilbert-elliott"
  }

  /// What a lost segment does to the stream.
  public enum Mode: String, Sendable, Hashable, CaseIterable {
    /// TCP semantics: the segment is recovered as Linux recovers it (fast retransmit, tail loss probe or
    /// retransmission timeout, doubling when lost again); everything behind it waits.
    case retransmit
    /// The bytes are gone: the stream is corrupted on purpose.
    case discard
  }

  /// The congestion control the retransmit-mode sender follows: how its window grows and how loss cuts it.
  public enum CongestionControl: String, Sendable, Hashable, CaseIterable {
    /// Linux's default: the window grows as a cubic function of the time since the last cut, cut to 0.7.
    case cubic
    /// Classic Reno: one segment more per round trip, halved on loss.
    case reno
    /// No window: loss only delays the lost segments, throughput is never limited.
    case none
  }

  public var model: Model
  /// Independent model: the share of segments lost.
  public var rate: Double
  /// Independent model: probability that a segment shares the previous segment's fate.
  public var correlation: Double
  /// Gilbert-Elliott: probability of moving good → bad per segment.
  public var p: Double
  /// Gilbert-Elliott: probability of moving bad → good per segment.
  public var r: Double
  /// Gilbert-Elliott: loss probability in the bad state (netem's `1-h`).
  public var lossInBad: Double
  /// Gilbert-Elliott: loss probability in the good state (netem's `1-k`).
  public var lossInGood: Double
  public var mode: Mode
  /// The minimum retransmission timeout (Linux's `rto_min`); the timeout is the path's RTT plus this.
  public var retransmissionTimeout: Duration
  public var segmentSize: Int
  /// Retransmit mode: the congestion window of the modelled sender.
  public var congestion: CongestionControl

  /// Independent loss at `rate`.
  public init(
    rate: Double, correlation: Double = 0, mode: Mode = .retransmit,
    retransmissionTimeout: Duration = .milliseconds(200), segmentSize: Int = 1448,
    congestion: CongestionControl = .cubic
  ) {
    model = .independent
    self.rate = rate
    self.correlation = correlation
    p = 0
    r = 0
    lossInBad = 1
    lossInGood = 0
    self.mode = mode
    self.retransmissionTimeout = retransmissionTimeout
    self.segmentSize = segmentSize
    self.congestion = congestion
  }

  /// Gilbert-Elliott loss.
  public static func gilbertElliott(
    p: Double, r: Double, lossInBad: Double = 1, lossInGood: Double = 0, mode: Mode = .retransmit,
    retransmissionTimeout: Duration = .milliseconds(200), segmentSize: Int = 1448,
    congestion: CongestionControl = .cubic
  ) -> LossFault {
    var loss = LossFault(
      rate: 0, mode: mode, retransmissionTimeout: retransmissionTimeout, segmentSize: segmentSize,
      congestion: congestion)
    loss.model = .gilbertElliott
    loss.p = p
    loss.r = r
    loss.lossInBad = lossInBad
    loss.lossInGood = lossInGood
    return loss
  }

  /// The long-run share of lost segments: for Gilbert-Elliott the bad state is occupied
  /// p / (p + r) of the time.
  public var steadyStateRate: Double {
    guard model == .gilbertElliott else { return rate }
    guard p + r > 0 else { return lossInGood }
    let bad = p / (p + r)
    return bad * lossInBad + (1 - bad) * lossInGood
  }

  static let gilbertElliottOnly = FieldCondition<LossFault>.when(
    "model", \.model, is: .gilbertElliott)
  static let independentOnly = FieldCondition<LossFault>.when("model", \.model, is: .independent)

  public static let definition = FaultDefinition<LossFault>(
    type: "loss",
    summary:
      "loses segments; retransmit mode recovers them as Linux TCP does, discard drops the bytes",
    defaults: LossFault(rate: 0),
    example: LossFault(
      rate: 0.02, correlation: 0.25, mode: .retransmit, retransmissionTimeout: .milliseconds(300),
      segmentSize: 1200, congestion: .reno),
    fields: [
      FaultField("model", \.model, .choice, doc: "independent or gilbert-elliott"),
      FaultField(
        "rate", \.rate, .probability, .required(example: "rate: 2%"), when: independentOnly,
        doc: "share of segments lost"),
      FaultField(
        "correlation", \.correlation, .probability, when: independentOnly,
        doc: "probability that a segment shares the previous segment's fate"),
      FaultField(
        "p", \.p, .probability, .required(example: "p: 1%"), when: gilbertElliottOnly,
        doc: "probability of moving good → bad per segment"),
      FaultField(
        "r", \.r, .probability, .required(example: "r: 30%"), when: gilbertElliottOnly,
        doc: "probability of moving bad → good per segment"),
      FaultField(
        "loss_in_bad", \.lossInBad, .probability, when: gilbertElliottOnly,
        doc: "loss probability in the bad state (netem's 1-h)"),
      FaultField(
        "loss_in_good", \.lossInGood, .probability, when: gilbertElliottOnly,
        doc: "loss probability in the good state (netem's 1-k)"),
      FaultField(
        "mode", \.mode, .choice,
        doc: "retransmit: recovered as Linux TCP recovers it, everything behind waits; "
          + "discard: the bytes are gone"),
      FaultField(
        "rto", \.retransmissionTimeout, .duration(positive: true),
        doc: "minimum retransmission timeout (Linux's rto_min)"),
      FaultField(
        "segment_size", \.segmentSize, .byteSize(in: 1...65_535),
        doc: "bytes per segment (1500-byte MTU minus IP, TCP and timestamp headers)"),
      FaultField(
        "congestion", \.congestion, .choice,
        doc: "retransmit mode: the sender's congestion window (cubic, reno, or none)"),
    ],
    behaviour: .stage { fault, context in LossStage(context: context, loss: fault) })
}
