/// Data is dropped, and the connection closed after `timeout`; zero never closes (as in Toxiproxy).
public struct TimeoutFault: Fault {
  public var timeout: Duration

  public init(timeout: Duration) {
    self.timeout = timeout
  }

  public static let definition = FaultDefinition<TimeoutFault>(
    type: "timeout", summary: "drops data and closes the connection after a time (0s: never)",
    origin: .toxiproxy, defaults: TimeoutFault(timeout: .zero),
    example: TimeoutFault(timeout: .seconds(5)),
    fields: [
      FaultField(
        "timeout", \.timeout, .duration(), .requiredInProfiles(example: "timeout: 5s"),
        doc: "when the connection is closed; 0s never closes it")
    ],
    behaviour: .stage { fault, context in TimeoutStage(context: context, timeout: fault.timeout) })
}
