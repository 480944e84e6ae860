/// Propagates a FIN in the fault's direction(s) only: the other direction keeps flowing.
public struct HalfCloseFault: Fault {
  public init() {}

  public static let definition = FaultDefinition<HalfCloseFault>(
    type: "half_close", summary: "sends a FIN in the fault's direction(s) only",
    defaults: HalfCloseFault(),
    fields: [],
    behaviour: .stage { _, context in HalfCloseStage(context: context) })
}
