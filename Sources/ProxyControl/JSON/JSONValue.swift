/// A parsed JSON document, kept as values so that request fields can be checked one by one with
/// errors that name the field, and so that toxic attributes can be merged and echoed back.
public enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  /// The members of an object, nil for any other value.
  public var objectValue: [String: JSONValue]? {
    if case .object(let members) = self { return members }
    return nil
  }

  /// What the value is, for error messages ("a string", "an object").
  var kindDescription: String {
    switch self {
    case .null: "null"
    case .bool: "a boolean"
    case .number: "a number"
    case .string: "a string"
    case .array: "an array"
    case .object: "an object"
    }
  }

  /// The value as it would appear in JSON, for error messages.
  var shortText: String {
    switch self {
    case .null: "null"
    case .bool(let value): String(value)
    case .number(let value): JSONValue.format(value)
    case .string(let value): "\"\(value)\""
    case .array: "[...]"
    case .object: "{...}"
    }
  }

  /// Whole numbers print without a fractional part, as Toxiproxy's integer attributes do.
  static func format(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 9.0e15 { return String(Int64(value)) }
    return String(value)
  }
}

extension JSONValue: Codable {
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([JSONValue].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: JSONValue].self))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .null: try container.encodeNil()
    case .bool(let value): try container.encode(value)
    case .number(let value):
      // Integers stay integers on the wire so Go clients can decode them into int64 fields.
      if value == value.rounded(), abs(value) < 9.0e15 {
        try container.encode(Int64(value))
      } else {
        try container.encode(value)
      }
    case .string(let value): try container.encode(value)
    case .array(let value): try container.encode(value)
    case .object(let value): try container.encode(value)
    }
  }
}
