/// Parses durations written on the command line: `250ms`, `5s`, `1.5s`, `2m`, `0`.
public enum DurationText {
  /// Why a duration text was refused.
  public struct InvalidDuration: Error, CustomStringConvertible {
    public let text: String
    public var description: String {
      "invalid duration \"\(text)\": expected a number with ms, s or m (e.g. 250ms, 5s)"
    }
  }

  public static func parse(_ text: String) throws(InvalidDuration) -> Duration {
    let trimmed = text.trimmingSpaces()
    let units: [(suffix: String, scale: Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
    if trimmed == "0" { return .zero }
    for unit in units where trimmed.hasSuffix(unit.suffix) {
      let number = trimmed.dropLast(unit.suffix.count)
      guard let value = Double(number), value.isFinite, value >= 0 else {
        throw InvalidDuration(text: text)
      }
      return .milliseconds(Int64((value * unit.scale * 1000).rounded()))
    }
    throw InvalidDuration(text: text)
  }
}

extension String {
  fileprivate func trimmingSpaces() -> String {
    var result = Substring(self)
    while result.first == " " { result = result.dropFirst() }
    while result.last == " " { result = result.dropLast() }
    return String(result)
  }
}
