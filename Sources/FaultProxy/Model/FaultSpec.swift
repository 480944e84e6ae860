/// Which way through a connection a fault applies.
///
/// `upstream` is client → server, `downstream` is server → client.
public enum Direction: String, Sendable, Hashable, Codable, CaseIterable {
  case upstream
  case downstream
}

/// The directions a fault is attached to, as written in a profile or an API call.
public enum StreamSelector: String, Sendable, Hashable, Codable, CaseIterable {
  case upstream
  case downstream
  case both

  /// The concrete directions this selector covers.
  public var directions: [Direction] {
    switch self {
    case .upstream: [.upstream]
    case .downstream: [.downstream]
    case .both: [.upstream, .downstream]
    }
  }
}

/// One configured fault: what it does, where it applies and how often.
///
/// This is the value form shared by profiles, the control API and the data plane. The data plane
/// turns it into a running fault stage per connection and direction (or a connection-level hook).
public struct FaultSpec: Sendable, Hashable {
  /// A name unique within a proxy; defaults to `TYPE_STREAM` as Toxiproxy does.
  public var name: String
  /// The directions the fault applies to.
  public var stream: StreamSelector
  /// Probability (0...1) that the fault applies to a given connection, drawn once per connection.
  public var toxicity: Double
  /// What the fault does, with its parameters: one of the types of `FaultCatalog`.
  public var kind: any Fault

  public init(
    name: String? = nil, stream: StreamSelector = .both, toxicity: Double = 1.0, kind: any Fault
  ) {
    self.name = name ?? "\(kind.typeName)_\(stream.rawValue)"
    self.stream = stream
    self.toxicity = toxicity
    self.kind = kind
  }

  public static func == (left: FaultSpec, right: FaultSpec) -> Bool {
    left.name == right.name && left.stream == right.stream && left.toxicity == right.toxicity
      && left.kind.isEqual(to: right.kind)
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(name)
    hasher.combine(stream)
    hasher.combine(toxicity)
    hasher.combine(AnyHashable(kind))
  }
}
