import Foundation

extension JSONValue {
  /// Why a text is not JSON, with the byte, line and column where it went wrong.
  public struct ParseError: Error, CustomStringConvertible {
    public let description: String
  }

  /// Parses UTF-8 JSON text, keeping member order and how each number was written (`int`,
  /// `bigInteger` or `number`); `NaN` and `Infinity` are accepted, as Python writes them.
  public static func parse(_ bytes: some Collection<UInt8>) throws(ParseError) -> JSONValue {
    var parser = JSONTextParser(bytes: Array(bytes))
    return try parser.parseDocument()
  }
}

/// A small recursive-descent JSON parser: Foundation's parsers lose object member order.
struct JSONTextParser {
  let bytes: [UInt8]
  var position = 0
  var depth = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  mutating func parseDocument() throws(JSONValue.ParseError) -> JSONValue {
    let value = try parseValue()
    skipWhitespace()
    guard position == bytes.count else { throw error("unexpected text after the JSON value") }
    return value
  }

  private func error(_ message: String) -> JSONValue.ParseError {
    // Line and column too: a person fixing a file by hand looks for those.
    let before = bytes[..<min(position, bytes.count)]
    let line = before.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    let column = position - (before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0) + 1
    return JSONValue.ParseError(
      description: "invalid JSON at byte \(position) (line \(line), column \(column)): \(message)")
  }

  private mutating func skipWhitespace() {
    while position < bytes.count {
      switch bytes[position] {
      case 0x20, 0x0A, 0x0D, 0x09: position += 1
      default: return
      }
    }
  }

  private mutating func parseValue() throws(JSONValue.ParseError) -> JSONValue {
    skipWhitespace()
    guard position < bytes.count else { throw error("unexpected end of input") }
    switch bytes[position] {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
    case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
    case UInt8(ascii: "n"): return try parseLiteral("null", .null)
    case UInt8(ascii: "N"): return try parseLiteral("NaN", .number(.nan))
    case UInt8(ascii: "I"): return try parseLiteral("Infinity", .number(.infinity))
    default: return try parseNumber()
    }
  }

  private mutating func parseLiteral(_ literal: String, _ value: JSONValue) throws(JSONValue
    .ParseError) -> JSONValue
  {
    let literalBytes = Array(literal.utf8)
    guard bytes.count - position >= literalBytes.count,
      Array(bytes[position..<position + literalBytes.count]) == literalBytes
    else { throw error("unexpected character") }
    position += literalBytes.count
    return value
  }

  private mutating func enter() throws(JSONValue.ParseError) {
    depth += 1
    if depth > 512 { throw error("nesting deeper than 512 levels") }
  }

  private mutating func parseObject() throws(JSONValue.ParseError) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    position += 1
    var object = JSONObject()
    skipWhitespace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
      position += 1
      return .object(object)
    }
    while true {
      skipWhitespace()
      guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
        throw error("expected a member name")
      }
      let key = try parseString()
      skipWhitespace()
      guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
        throw error("expected ':'")
      }
      position += 1
      object[key] = try parseValue()
      skipWhitespace()
      guard position < bytes.count else { throw error("unterminated object") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
      } else if bytes[position] == UInt8(ascii: "}") {
        position += 1
        return .object(object)
      } else {
        throw error("expected ',' or '}'")
      }
    }
  }

  private mutating func parseArray() throws(JSONValue.ParseError) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    position += 1
    var values: [JSONValue] = []
    skipWhitespace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
      position += 1
      return .array(values)
    }
    while true {
      values.append(try parseValue())
      skipWhitespace()
      guard position < bytes.count else { throw error("unterminated array") }
      if bytes[position] == UInt8(ascii: ",") {
        position += 1
      } else if bytes[position] == UInt8(ascii: "]") {
        position += 1
        return .array(values)
      } else {
        throw error("expected ',' or ']'")
      }
    }
  }

  private mutating func parseString() throws(JSONValue.ParseError) -> String {
    position += 1
    // Most strings have no escape: take their bytes at once (a /object_info dump is thousands).
    var end = position
    while end < bytes.count {
      let byte = bytes[end]
      if byte == UInt8(ascii: "\"") {
        let text = String(decoding: bytes[position..<end], as: UTF8.self)
        position = end + 1
        return text
      }
      if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
      end += 1
    }
    var units: [UInt16] = []
    var plain: [UInt8] = []
    func flushPlain() {
      units.append(contentsOf: String(decoding: plain, as: UTF8.self).utf16)
      plain.removeAll()
    }
    while position < bytes.count {
      let byte = bytes[position]
      position += 1
      switch byte {
      case UInt8(ascii: "\""):
        flushPlain()
        return String(decoding: units, as: UTF16.self)
      case UInt8(ascii: "\\"):
        flushPlain()
        guard position < bytes.count else { break }
        let escape = bytes[position]
        position += 1
        switch escape {
        case UInt8(ascii: "\""): units.append(0x22)
        case UInt8(ascii: "\\"): units.append(0x5C)
        case UInt8(ascii: "/"): units.append(0x2F)
        case UInt8(ascii: "b"): units.append(0x08)
        case UInt8(ascii: "f"): units.append(0x0C)
        case UInt8(ascii: "n"): units.append(0x0A)
        case UInt8(ascii: "r"): units.append(0x0D)
        case UInt8(ascii: "t"): units.append(0x09)
        case UInt8(ascii: "u"):
          guard bytes.count - position >= 4,
            let unit = UInt16(
              String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
          else { throw error("bad \\u escape") }
          position += 4
          units.append(unit)
        default: throw error("bad escape")
        }
      case 0x00..<0x20:
        throw error("control character in string")
      default:
        plain.append(byte)
      }
    }
    throw error("unterminated string")
  }

  private mutating func parseNumber() throws(JSONValue.ParseError) -> JSONValue {
    let start = position
    var isInteger = true
    if position < bytes.count, bytes[position] == UInt8(ascii: "-") {
      position += 1
      if position < bytes.count, bytes[position] == UInt8(ascii: "I") {
        _ = try parseLiteral("Infinity", .null)
        return .number(-.infinity)
      }
    }
    while position < bytes.count {
      let byte = bytes[position]
      if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
        position += 1
      } else if [
        UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"),
        UInt8(ascii: "-"),
      ].contains(byte) {
        isInteger = false
        position += 1
      } else {
        break
      }
    }
    let text = String(decoding: bytes[start..<position], as: UTF8.self)
    guard !text.isEmpty, text != "-" else { throw error("unexpected character") }
    if isInteger {
      if let value = Int(text) { return .int(value) }
      return .bigInteger(text)
    }
    guard let value = Double(text) else { throw error("bad number \(text)") }
    return .number(value)
  }
}
