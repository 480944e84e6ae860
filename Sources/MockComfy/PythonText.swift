import Foundation

/// How Python prints values, for the error texts the real server builds with f-strings and `str()`.
enum PythonText {
  /// `str(value)`: a string as is, anything else as `repr`.
  static func str(_ value: JSONValue) -> String {
    if case .string(let text) = value { return text }
    return repr(value)
  }

  /// `repr(value)` of the value `json.loads` would have made.
  static func repr(_ value: JSONValue) -> String {
    switch value {
    case .null: return "None"
    case .bool(let flag): return flag ? "True" : "False"
    case .int(let number): return String(number)
    case .bigInteger(let digits): return digits
    case .number(let number): return float(number)
    case .string(let text):
      // Python picks double quotes only when the text has a single quote and no double quote.
      if text.contains("'") && !text.contains("\"") { return "\"\(text)\"" }
      return "'"
        + text.replacingOccurrences(of: "\\", with: "\\\\")
        .replacingOccurrences(of: "'", with: "\\'") + "'"
    case .array(let values): return "[" + values.map(repr).joined(separator: ", ") + "]"
    case .object(let object):
      return "{"
        + object.members.map { repr(.string($0.key)) + ": " + repr($0.value) }.joined(
          separator: ", ") + "}"
    }
  }

  /// `str(float)`: always with a fraction or an exponent.
  static func float(_ number: Double) -> String {
    if number.isNaN { return "nan" }
    if number.isInfinite { return number > 0 ? "inf" : "-inf" }
    if number.rounded() == number && abs(number) < 1e16 { return String(format: "%.1f", number) }
    return "\(number)"
  }

  /// Python's `int(value)`: the integer, or the `ValueError`/`TypeError` text.
  static func int(_ value: JSONValue) -> Result<JSONValue, ConversionError> {
    switch value {
    case .int, .bigInteger: return .success(value)
    case .bool(let flag): return .success(.int(flag ? 1 : 0))
    case .number(let number):
      guard number.isFinite else {
        return .failure(
          ConversionError(
            message: number.isNaN
              ? "cannot convert float NaN to integer" : "cannot convert float infinity to integer"))
      }
      return .success(Int(exactly: number.rounded(.towardZero)).map { .int($0) } ?? value)
    case .string(let text):
      let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(
        of: "_", with: "")
      if let number = Int(trimmed) { return .success(.int(number)) }
      return .failure(
        ConversionError(message: "invalid literal for int() with base 10: \(repr(value))"))
    default:
      return .failure(
        ConversionError(
          message:
            "int() argument must be a string, a bytes-like object or a real number, not '\(typeName(value))'"
        ))
    }
  }

  /// Python's `float(value)`.
  static func float(_ value: JSONValue) -> Result<JSONValue, ConversionError> {
    switch value {
    case .number: return .success(value)
    case .int(let number): return .success(.number(Double(number)))
    case .bigInteger(let digits): return .success(.number(Double(digits) ?? .infinity))
    case .bool(let flag): return .success(.number(flag ? 1 : 0))
    case .string(let text):
      let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
      if let number = Double(trimmed) { return .success(.number(number)) }
      switch trimmed.lowercased() {
      case "nan": return .success(.number(.nan))
      case "inf", "infinity", "+inf": return .success(.number(.infinity))
      case "-inf", "-infinity": return .success(.number(-.infinity))
      default:
        return .failure(
          ConversionError(message: "could not convert string to float: \(repr(value))"))
      }
    default:
      return .failure(
        ConversionError(
          message: "float() argument must be a string or a real number, not '\(typeName(value))'"))
    }
  }

  static func typeName(_ value: JSONValue) -> String {
    switch value {
    case .null: "NoneType"
    case .bool: "bool"
    case .int, .bigInteger: "int"
    case .number: "float"
    case .string: "str"
    case .array: "list"
    case .object: "dict"
    }
  }

  struct ConversionError: Error {
    let message: String
  }
}
