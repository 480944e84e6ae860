/// New connections are turned away; connections already open carry on.
public struct RefuseFault: Fault {
  /// How a refusing proxy turns new connections away.
  public enum Mode: String, Sendable, Hashable, CaseIterable {
    /// The listener is closed: clients see ECONNREFUSED.
    case closed
    /// Connections are accepted, then reset.
    case reset
    /// SYNs go unanswered, as with a host that has gone away: clients' connects hang and
    /// retransmit, and complete once the fault is gone.
    case blackhole
  }

  public var mode: Mode

  public init(mode: Mode = .closed) {
    self.mode = mode
  }

  public static let definition = FaultDefinition<RefuseFault>(
    type: "refuse",
    summary: "turns new connections away: port closed, accept-then-reset, or SYNs unanswered",
    defaults: RefuseFault(), example: RefuseFault(mode: .blackhole),
    fields: [
      FaultField(
        "mode", \.mode, .choice,
        doc: "closed: ECONNREFUSED; reset: accepted, then reset; blackhole: SYNs go unanswered")
    ],
    behaviour: .connection(
      ConnectionHooks(
        port: { fault in
          switch fault.mode {
          case .closed: .closed
          case .blackhole: .blackhole
          case .reset: .listening
          }
        },
        accept: { fault in fault.mode == .reset ? .refuse : .proceed })))
}
