import FaultlineJSON
import Foundation

// How the real server writes JSON and reads it as Python values: the mock copies its bytes.
extension JSONValue {
  /// Compact JSON text with `", "`/`": "` separators, as Python's `json.dumps` writes it (aiohttp's
  /// `json_response` and `send_json` both use it).
  public var pythonJSONText: String {
    var output = ""
    write(to: &output)
    return output
  }

  func write(to output: inout String) {
    switch self {
    case .null: output += "null"
    case .bool(let value): output += value ? "true" : "false"
    case .int(let value): output += String(value)
    case .bigInteger(let digits): output += digits
    case .number(let value):
      if value.isFinite {
        output +=
          value.rounded() == value && abs(value) < 1e15 ? String(format: "%.1f", value) : "\(value)"
      } else {
        output += value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity")
      }
    case .string(let text): Self.writeString(text, to: &output)
    case .array(let values):
      output += "["
      for (index, value) in values.enumerated() {
        if index > 0 { output += ", " }
        value.write(to: &output)
      }
      output += "]"
    case .object(let object):
      output += "{"
      for (index, member) in object.members.enumerated() {
        if index > 0 { output += ", " }
        Self.writeString(member.key, to: &output)
        output += ": "
        member.value.write(to: &output)
      }
      output += "}"
    }
  }

  /// Escapes like Python's `json.dumps` with `ensure_ascii=True`.
  private static func writeString(_ text: String, to output: inout String) {
    output += "\""
    for unit in text.utf16 {
      switch unit {
      case 0x22: output += "\\\""
      case 0x5C: output += "\\\\"
      case 0x0A: output += "\\n"
      case 0x0D: output += "\\r"
      case 0x09: output += "\\t"
      case 0x08: output += "\\b"
      case 0x0C: output += "\\f"
      case 0x20..<0x7F: output.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
      default: output += String(format: "\\u%04x", unit)
      }
    }
    output += "\""
  }

  /// Python's truthiness, which the real server applies to flags such as `front` and `clear`.
  var isTruthy: Bool {
    switch self {
    case .null: false
    case .bool(let value): value
    case .int(let value): value != 0
    case .number(let value): value != 0
    case .bigInteger: true
    case .string(let text): !text.isEmpty
    case .array(let values): !values.isEmpty
    case .object(let object): !object.isEmpty
    }
  }
}
