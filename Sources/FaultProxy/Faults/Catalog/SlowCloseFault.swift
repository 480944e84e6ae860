/// The close is passed on `delay` after EOF.
public struct SlowCloseFault: Fault {
  public var delay: Duration

  public init(delay: Duration) {
    self.delay = delay
  }

  public static let definition = FaultDefinition<SlowCloseFault>(
    type: "slow_close", summary: "passes the close on a delay after EOF", origin: .toxiproxy,
    defaults: SlowCloseFault(delay: .zero), example: SlowCloseFault(delay: .seconds(1)),
    fields: [
      FaultField(
        "delay", \.delay, .duration(), .requiredInProfiles(example: "delay: 1s"),
        doc: "how long after EOF the close is passed on")
    ],
    behaviour: .stage { fault, context in SlowCloseStage(context: context, delay: fault.delay) })
}
