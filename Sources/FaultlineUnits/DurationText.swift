/// Durations as profiles, the command line and the mock's options write them: `250ms`, `2s`, `1.5s`,
/// `100us` (or `µs`), `1m`. A unit is required, except for a plain `0`, which means the same in every unit.
public enum DurationText {
  public static let expectation = "a duration with a unit such as 250ms or 2s"

  static let table = UnitTable(
    units: [
      ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
    ],
    // U+03BC (Greek mu) looks the same as the micro sign U+00B5 and is what many keyboards type.
    aliases: ["μs": 1e3])

  /// Reads a duration of zero or more.
  public static func read(_ text: String) throws(ValueError) -> Duration {
    guard let parsed = NumberWithUnit(text) else { throw .expected(expectation, got: .text(text)) }
    guard !parsed.unit.isEmpty else {
      if parsed.value == 0 { return .zero }
      throw ValueError(
        "expected \(expectation), got the bare number \"\(text)\"; add a unit, e.g. \(parsed.numberText)ms"
      )
    }
    guard let multiplier = table.multiplier(for: parsed.unit) else {
      throw table.unknownUnitError(parsed.unit, in: text, kind: "duration")
    }
    guard parsed.value >= 0 else {
      throw ValueError("expected a duration of zero or more, got the negative duration \"\(text)\"")
    }
    let nanoseconds = (parsed.value * multiplier).rounded()
    guard nanoseconds < Double(Int64.max) else {
      throw ValueError("expected \(expectation), got \"\(text)\", which is too long")
    }
    return .nanoseconds(Int64(nanoseconds))
  }

  /// Reads a duration greater than zero (phase lengths, timeouts that must elapse).
  public static func readPositive(_ text: String) throws(ValueError) -> Duration {
    let duration = try read(text)
    guard duration > .zero else {
      throw ValueError("expected a duration greater than zero, got \(NodeFound.text(text))")
    }
    return duration
  }

  /// Writes a duration back in profile syntax, for messages: `5s`, `1.5s`, `250ms`, `100us`, `7ns`.
  public static func format(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    guard nanoseconds != 0 else { return "0s" }
    // The largest unit that shows the value as at least 1 with at most three decimals.
    let units: [(name: String, size: Int64)] = [
      ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000),
    ]
    for unit in units where abs(nanoseconds) >= unit.size && nanoseconds % (unit.size / 1_000) == 0
    {
      let whole = nanoseconds / unit.size
      let thousandths = abs(nanoseconds % unit.size) / (unit.size / 1_000)
      guard thousandths != 0 else { return "\(whole)\(unit.name)" }
      var decimals = String(thousandths)
      decimals = String(repeating: "0", count: 3 - decimals.count) + decimals
      while decimals.hasSuffix("0") { decimals.removeLast() }
      return "\(whole).\(decimals)\(unit.name)"
    }
    return "\(nanoseconds)ns"
  }
}
