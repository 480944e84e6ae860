/// A kind of fault. Its parameters are the conforming type's stored properties; everything else about
/// it (wire name, fields with units and defaults, origin, what it does to a connection) is its
/// `definition`, written once. The profile parser, the Toxiproxy codec, `faultline profile faults` and
/// docs/faults.md are derived from definitions, and the build lists every conforming type
/// (`FaultCatalog`), so a new fault is one file and its test (see CREATING_FAULTS.md).
///
/// Only FaultProxy can define faults: `FaultDefinition` carries the fault's behaviour in the data
/// plane, which is internal to this module.
public protocol Fault: Sendable, Hashable {
  /// Everything about this kind of fault beside its parameters.
  static var definition: FaultDefinition<Self> { get }

  /// Checks rules that span fields, after each field was read on its own; `given` names the fields the
  /// profile or request wrote. Returns the fault to use (it may fill in derived values).
  func validated(given: Set<String>) throws(FaultFieldError) -> Self
}

extension Fault {
  public func validated(given: Set<String>) throws(FaultFieldError) -> Self { self }

  /// The name profiles and the control API use for this kind of fault.
  public var typeName: String { Self.definition.type }

  /// Equality across two faults of possibly different kinds.
  func isEqual(to other: any Fault) -> Bool { (other as? Self) == self }
}

/// A problem with one fault's fields: which field (nil for the fault as a whole) and what is wrong.
public struct FaultFieldError: Error, Sendable, Equatable {
  public let field: String?
  public let message: String

  public init(field: String?, _ message: String) {
    self.field = field
    self.message = message
  }
}

/// Every problem found in one fault's fields.
public struct FaultFieldErrors: Error, Sendable, Equatable {
  public let errors: [FaultFieldError]
}
