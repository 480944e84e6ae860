import Foundation

/// A number followed by an optional unit, such as `1.5s`, `400kbit/s`, `25%` or `100`.
public struct NumberWithUnit: Sendable {
  /// The numeric part as written (sign included).
  public let numberText: String
  public let value: Double
  /// The rest after the number, without surrounding spaces; empty for a bare number.
  public let unit: String

  /// Splits `text`; nil when it does not start with a decimal number.
  public init?(_ text: String) {
    var numberEnd = text.startIndex
    var sawDigit = false
    var sawPoint = false
    for index in text.indices {
      let character = text[index]
      if character.isASCII, character.isNumber {
        sawDigit = true
      } else if character == ".", !sawPoint {
        sawPoint = true
      } else if character == "-" || character == "+", index == text.startIndex {
        // A sign is only allowed in front.
      } else {
        break
      }
      numberEnd = text.index(after: index)
    }
    let numberText = String(text[..<numberEnd])
    guard sawDigit, let value = Double(numberText), value.isFinite else { return nil }
    self.numberText = numberText
    self.value = value
    self.unit = String(text[numberEnd...]).trimmingCharacters(in: .whitespaces)
  }
}

/// A table of units for one kind of quantity, with the multiplier that converts each to the base unit.
public struct UnitTable: Sendable {
  /// `(unit, multiplier)` in the order they are listed in errors.
  let units: [(name: String, multiplier: Double)]
  /// Units accepted but not listed in errors (alternative spellings).
  let aliases: [String: Double]

  func multiplier(for unit: String) -> Double? {
    units.first { $0.name == unit }?.multiplier ?? aliases[unit]
  }

  var listed: String {
    let names = units.map(\.name)
    guard let last = names.last, names.count > 1 else { return names.joined() }
    return names.dropLast().joined(separator: ", ") + " or " + last
  }

  /// The error for a unit not in the table, with a hint when it looks like a typo or a case slip.
  func unknownUnitError(_ unit: String, in text: String, kind: String) -> ValueError {
    let candidates = units.map(\.name)
    let hint = ClosestMatch.hint(for: unit, among: candidates)
    return ValueError(
      "unknown \(kind) unit \"\(unit)\" in \"\(text)\"\(hint); expected one of \(listed)")
  }
}
