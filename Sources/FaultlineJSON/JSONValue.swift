import Foundation

/// Any JSON value, the one type for every JSON document in Faultline: ComfyUI prompt graphs and
/// messages (the client's and the mock server's), control API bodies and toxic attributes, ready lines.
///
/// It keeps what the text said where that shows on the wire again: objects keep their member order
/// (``JSONObject``), and `parse(_:)` keeps an integer as `int` (or, beyond `Int`, as `bigInteger`)
/// apart from a number written with a fraction or an exponent (`number`), as Python's `json` does.
/// `Decodable` cannot see how a number was written: it gives `number` for every number, and members
/// sorted by key. `Encodable` writes whole numbers as integers, so clients in typed languages (Go's
/// int64 fields, Python's int node inputs) read them back as integers.
public enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  /// A number written with a fraction or an exponent (Python's float), or any number `Decodable` read.
  case number(Double)
  /// An integer written without a fraction or an exponent.
  case int(Int)
  /// An integer beyond `Int`'s range, kept as its digits so that it goes out exactly as it came in
  /// (KSampler's seed maximum is 2^64 - 1).
  case bigInteger(String)
  case string(String)
  case array([JSONValue])
  case object(JSONObject)

  /// An integer of any width: `int` where it fits, else `bigInteger` (a seed is a `UInt64`).
  public init(_ integer: some BinaryInteger) {
    self = Int(exactly: integer).map { .int($0) } ?? .bigInteger(String(integer))
  }

  /// The member `key` of an object, or nil.
  public subscript(key: String) -> JSONValue? {
    if case .object(let object) = self { object[key] } else { nil }
  }

  public var stringValue: String? {
    if case .string(let value) = self { value } else { nil }
  }

  public var boolValue: Bool? {
    if case .bool(let value) = self { value } else { nil }
  }

  /// A whole number that fits in `Int`, however it was written.
  public var intValue: Int? {
    switch self {
    case .int(let value): value
    case .number(let value): Int(exactly: value)
    default: nil
    }
  }

  /// Any number, however it was written (a `bigInteger` to the nearest `Double`).
  public var doubleValue: Double? {
    switch self {
    case .int(let value): Double(value)
    case .number(let value): value
    case .bigInteger(let digits): Double(digits)
    default: nil
    }
  }

  public var arrayValue: [JSONValue]? {
    if case .array(let value) = self { value } else { nil }
  }

  /// The members of an object by name (their order dropped), nil for any other value.
  public var objectValue: [String: JSONValue]? {
    if case .object(let object) = self { object.dictionary } else { nil }
  }

  /// The members of an object in their order, nil for any other value.
  public var orderedObject: JSONObject? {
    if case .object(let object) = self { object } else { nil }
  }

  /// Compact JSON text of this value, keys sorted.
  public var jsonText: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(self) else { return "null" }
    return String(decoding: data, as: UTF8.self)
  }

  /// What the value is, for error messages ("a string", "an object").
  public var kindDescription: String {
    switch self {
    case .null: "null"
    case .bool: "a boolean"
    case .number, .int, .bigInteger: "a number"
    case .string: "a string"
    case .array: "an array"
    case .object: "an object"
    }
  }

  /// The value as it would appear in JSON, shortened for error messages.
  public var shortText: String {
    switch self {
    case .null: "null"
    case .bool(let value): String(value)
    case .number(let value): JSONValue.format(value)
    case .int(let value): String(value)
    case .bigInteger(let digits): digits
    case .string(let value): "\"\(value)\""
    case .array: "[...]"
    case .object: "{...}"
    }
  }

  /// Whole numbers print without a fractional part.
  public static func format(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 9.0e15 { return String(Int64(value)) }
    return String(value)
  }
}
