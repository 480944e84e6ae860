/// Toxiproxy's reset_peer: the first chunk in the fault's direction starts the clock and is dropped
/// with everything after it; `timeout` later the connection is reset.
public struct ResetPeerFault: Fault {
  public var timeout: Duration

  public init(timeout: Duration) {
    self.timeout = timeout
  }

  public static let definition = FaultDefinition<ResetPeerFault>(
    type: "reset_peer",
    summary: "Toxiproxy's reset_peer: drops data from the first chunk on, resets a timeout later",
    origin: .toxiproxy, defaults: ResetPeerFault(timeout: .zero),
    example: ResetPeerFault(timeout: .milliseconds(200)),
    fields: [
      FaultField(
        "timeout", \.timeout, .duration(),
        doc: "time from the first chunk in the fault's direction to the reset")
    ],
    behaviour: .stage { fault, context in
      ResetStage(
        context: context, reset: ResetFault(after: fault.timeout, side: .both),
        startsAtFirstByte: true)
    })
}
