/// What a fault does in the data plane: act on the bytes of each direction through a stage, or on
/// the connection as a whole through hooks at the listener and at accept, or nothing.
enum FaultBehaviour<F: Fault>: Sendable {
  /// A stage per direction the fault's stream covers, on every connection it applies to.
  case stage(@Sendable (F, StageContext) -> any FaultStage)
  /// Hooks consulted before any byte moves.
  case connection(ConnectionHooks<F>)
  /// Nothing at all (Toxiproxy's noop).
  case none
}

/// A connection-level fault's hooks: what the proxy's port does while the fault is active, and what
/// happens to each new connection it applies to.
struct ConnectionHooks<F: Fault>: Sendable {
  var port: @Sendable (F) -> PortState = { _ in .listening }
  var accept: @Sendable (F) -> AcceptAction = { _ in .proceed }
}

/// What a connection-level fault does with a new connection before it connects upstream.
enum AcceptAction: Equatable {
  /// Nothing: connect as usual.
  case proceed
  /// Reset the client at once.
  case refuse
  /// Connect upstream only after this long.
  case delay(Duration)
  /// Never connect while the fault lasts; connect once it is gone.
  case hold
}

extension Fault {
  /// The stage running this fault in one direction, or nil for faults that act on the connection.
  func makeStage(context: StageContext) -> (any FaultStage)? {
    guard case .stage(let make) = Self.definition.behaviour else { return nil }
    return make(self, context)
  }

  /// What the proxy's port does while this fault is active.
  var portState: PortState {
    guard case .connection(let hooks) = Self.definition.behaviour else { return .listening }
    return hooks.port(self)
  }

  /// What this fault does with a new connection it applies to.
  var acceptAction: AcceptAction {
    guard case .connection(let hooks) = Self.definition.behaviour else { return .proceed }
    return hooks.accept(self)
  }
}
