/// Everything about one kind of fault beside its parameters: the single place its schema is written.
public struct FaultDefinition<F: Fault>: Sendable {
  /// The wire name in profiles and the control API, e.g. `latency`.
  public let type: String
  /// One line for listings and docs.
  public let summary: String
  public let origin: FaultOrigin
  /// The value every field starts from: each field's default.
  public let defaults: F
  /// A fault with fields set away from their defaults, for docs and round-trip tests.
  public let example: F
  public let fields: [FaultField<F>]
  /// What the fault does in the data plane.
  let behaviour: FaultBehaviour<F>

  init(
    type: String, summary: String, origin: FaultOrigin = .faultline, defaults: F, example: F? = nil,
    fields: [FaultField<F>], behaviour: FaultBehaviour<F>
  ) {
    self.type = type
    self.summary = summary
    self.origin = origin
    self.defaults = defaults
    self.example = example ?? defaults
    self.fields = fields
    self.behaviour = behaviour
  }
}

/// Whose fault type this is, which decides how the Toxiproxy-compatible API treats it.
public enum FaultOrigin: Sendable, Equatable {
  /// One of Toxiproxy's own toxics: the API takes `upstream` or `downstream` only, and a field
  /// required in profiles may be left out over the API, where it takes Toxiproxy's zero.
  case toxiproxy
  /// Faultline's own: the API accepts `stream: both` and the same requirements as profiles.
  case faultline
}
