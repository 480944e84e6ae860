/// The connection goes silent: no data, no FIN, no RST (cable pulled, NAT entry expired).
public struct HalfOpenFault: Fault {
  /// How a silent connection treats bytes its peer keeps sending.
  public enum Reads: String, Sendable, Hashable, CaseIterable {
    /// Stop reading: the peer's sends back up, as with a dead host.
    case stop
    /// Read and throw away.
    case discard
  }

  /// Which side forgets the connection.
  public enum Side: String, Sendable, Hashable, CaseIterable {
    /// Both sides stay connected but nothing passes.
    case both
    /// The server side is closed while the client still believes it is connected.
    case upstream
  }

  /// When after the fault is applied the silence begins.
  public var after: Duration
  /// How long it lasts; nil means until the fault is removed.
  public var duration: Duration?
  public var reads: Reads
  public var side: Side

  public init(
    after: Duration = .zero, duration: Duration? = nil, reads: Reads = .stop, side: Side = .both
  ) {
    self.after = after
    self.duration = duration
    self.reads = reads
    self.side = side
  }

  public static let definition = FaultDefinition<HalfOpenFault>(
    type: "half_open", summary: "the connection goes silent: no data, no FIN, no RST",
    defaults: HalfOpenFault(),
    example: HalfOpenFault(
      after: .seconds(1), duration: .seconds(5), reads: .discard, side: .upstream),
    fields: [
      FaultField(
        "after", \.after, .duration(), doc: "when the silence starts, after the fault is applied"),
      FaultField(
        "duration", \.duration, .optional(.duration(positive: true)),
        doc: "how long it lasts (until the fault is removed by default)"),
      FaultField(
        "reads", \.reads, .choice,
        doc: "stop: stop reading, so the peer's sends back up; discard: read and throw away"),
      FaultField(
        "side", \.side, .choice,
        doc: "both: both peers think they are connected; upstream: the server side is closed"),
    ],
    behaviour: .stage { fault, context in HalfOpenStage(context: context, halfOpen: fault) })
}
