import FaultlineJSON
import FaultlineUnits

/// One field of a fault: its name, unit, default, when it applies and its one-line doc, bound to the
/// stored property it sets. Reading and writing it in profiles (text) and over the API (JSON) both go
/// through its `FieldCodec`, so the two forms cannot disagree.
public struct FaultField<F: Fault>: Sendable {
  /// Everything about the field but how it is read and written.
  public let info: FieldInfo
  let applies: @Sendable (F) -> Bool
  let readText: @Sendable (inout F, String) throws(ValueError) -> Void
  let readJSON: @Sendable (inout F, JSONValue) throws(ValueError) -> Void
  /// The profile text of the field's value, nil when it has none (an optional field left unset).
  let writeText: @Sendable (F) -> String?
  let writeJSON: @Sendable (F) -> JSONValue

  public init<Value>(
    _ name: String, _ keyPath: WritableKeyPath<F, Value>, _ codec: FieldCodec<Value>,
    _ requirement: FieldRequirement = .optional, when condition: FieldCondition<F>? = nil,
    doc: String
  ) {
    // Key paths to stored properties are immutable values; the checker cannot see that through the type.
    nonisolated(unsafe) let keyPath = keyPath
    info = FieldInfo(
      name: name, doc: doc, requirement: requirement, profileUnit: codec.profileUnit,
      apiUnit: codec.apiUnit, condition: condition?.description)
    if let condition {
      applies = condition.test
    } else {
      applies = { _ in true }
    }
    readText = { (fault: inout F, text: String) throws(ValueError) in
      fault[keyPath: keyPath] = try codec.readText(text)
    }
    readJSON = { (fault: inout F, json: JSONValue) throws(ValueError) in
      fault[keyPath: keyPath] = try codec.readJSON(json)
    }
    writeText = { codec.writeText($0[keyPath: keyPath]) }
    writeJSON = { codec.writeJSON($0[keyPath: keyPath]) }
  }

  var name: String { info.name }

  /// The example line shown when the field is missing, if it is required in `form`.
  func requiredExample(in form: FaultForm, origin: FaultOrigin) -> String? {
    switch info.requirement {
    case .optional: nil
    case .required(let example): example
    case .requiredInProfiles(let example):
      form == .profile || origin == .faultline ? example : nil
    }
  }
}

/// When a field applies: a test on the fault and how it reads in messages ("model: gilbert-elliott").
public struct FieldCondition<F: Fault>: Sendable {
  public let description: String
  let test: @Sendable (F) -> Bool

  /// The field applies when another field has one of the given values.
  public static func when<Value: RawRepresentable<String> & Equatable & Sendable>(
    _ field: String, _ keyPath: KeyPath<F, Value>, is values: Value...
  ) -> FieldCondition {
    nonisolated(unsafe) let keyPath = keyPath
    return FieldCondition(
      description: values.map { "\(field): \($0.rawValue)" }.joined(separator: " or "),
      test: { values.contains($0[keyPath: keyPath]) })
  }
}

/// Which form a fault's fields are written in.
public enum FaultForm: Sendable, Equatable {
  /// A profile: text with units (`250ms`, `2%`, `1.5Mbit/s`).
  case profile
  /// The Toxiproxy-compatible control API: JSON in Toxiproxy's units (milliseconds, KB/s, 0...1).
  case api
}

/// Whether a profile or request must write a field.
public enum FieldRequirement: Sendable, Equatable {
  case optional
  /// Required wherever the field applies; `example` is a valid line, shown when it is missing.
  case required(example: String)
  /// Required in profiles; over the API a Toxiproxy type's field left out takes Toxiproxy's zero
  /// (the fault's default), as Toxiproxy does.
  case requiredInProfiles(example: String)
}

/// What listings and docs show of one field: everything but how it is read and written.
public struct FieldInfo: Sendable {
  public let name: String
  public let doc: String
  public let requirement: FieldRequirement
  /// How profiles write the value, e.g. "duration (250ms, 2s)".
  public let profileUnit: String
  /// How the control API writes the value, e.g. "milliseconds".
  public let apiUnit: String
  /// When the field applies, e.g. "model: gilbert-elliott"; nil when it always does.
  public let condition: String?
  /// The default in profile syntax, nil when unset by default (filled in by `FaultType`).
  public internal(set) var defaultText: String? = nil
}
