/// Upstream connection set-up slowed down, or never completed.
public struct ConnectDelayFault: Fault {
  public var delay: Duration
  /// When true the upstream connection is never attempted: the client waits until it gives up.
  public var never: Bool

  public init(delay: Duration, never: Bool = false) {
    self.delay = delay
    self.never = never
  }

  public func validated(given: Set<String>) throws(FaultFieldError) -> ConnectDelayFault {
    guard never || given.contains("delay") else {
      throw FaultFieldError(
        field: "delay", "missing required field \"delay\" (for example delay: 3s, or never: true)")
    }
    return self
  }

  public static let definition = FaultDefinition<ConnectDelayFault>(
    type: "connect_delay", summary: "connects upstream late, or never",
    defaults: ConnectDelayFault(delay: .zero), example: ConnectDelayFault(delay: .seconds(3)),
    fields: [
      FaultField(
        "delay", \.delay, .duration(),
        doc: "how late the upstream connection is set up (required unless never: true)"),
      FaultField(
        "never", \.never, .bool,
        doc: "never connect upstream while the fault lasts; the client waits until it gives up"),
    ],
    behaviour: .connection(
      ConnectionHooks(accept: { fault in fault.never ? .hold : .delay(fault.delay) })))
}
