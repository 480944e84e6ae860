/// Probabilities and shares: a fraction `0.02` or a percentage `2%`, between 0 and 1 (0% and 100%).
public enum ProbabilityText {
  public static let expectation = "a probability between 0 and 1 or a percentage such as 25%"

  public static func read(_ text: String) throws(ValueError) -> Double {
    guard let parsed = NumberWithUnit(text) else { throw .expected(expectation, got: .text(text)) }
    let value: Double
    switch parsed.unit {
    case "%": value = parsed.value / 100
    case "": value = parsed.value
    default:
      throw ValueError("expected \(expectation), got \"\(text)\" (unknown unit \"\(parsed.unit)\")")
    }
    guard (0...1).contains(value) else {
      let hint =
        parsed.unit.isEmpty && parsed.value > 1 && parsed.value <= 100
        ? " (did you mean \(text)%?)" : ""
      throw ValueError("expected \(expectation), got \"\(text)\", which is outside 0...1\(hint)")
    }
    return value
  }

  /// Writes a probability back as the shortest decimal that reads as the same value: `0.02`, `1`.
  public static func format(_ value: Double) -> String {
    let text = "\(value)"
    return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
  }
}
