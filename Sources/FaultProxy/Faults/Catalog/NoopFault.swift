/// Does nothing: Toxiproxy's noop, for checking plumbing.
public struct NoopFault: Fault {
  public init() {}

  public static let definition = FaultDefinition<NoopFault>(
    type: "noop", summary: "does nothing (for checking plumbing)", origin: .toxiproxy,
    defaults: NoopFault(), fields: [], behaviour: .none)
}
