import FaultlineJSON
import FaultlineUnits

/// How one kind of value is written in profiles (text with units) and over the API (JSON in
/// Toxiproxy's units), both ways. Fault fields are built from these, so a unit is defined once.
public struct FieldCodec<Value>: Sendable {
  /// How profiles write it, for listings: "duration (250ms, 2s)".
  public let profileUnit: String
  /// How the API writes it, for listings: "milliseconds".
  public let apiUnit: String
  let readText: @Sendable (String) throws(ValueError) -> Value
  let writeText: @Sendable (Value) -> String?
  let readJSON: @Sendable (JSONValue) throws(ValueError) -> Value
  let writeJSON: @Sendable (Value) -> JSONValue

  init(
    profileUnit: String, apiUnit: String,
    readText: @escaping @Sendable (String) throws(ValueError) -> Value,
    writeText: @escaping @Sendable (Value) -> String?,
    readJSON: @escaping @Sendable (JSONValue) throws(ValueError) -> Value,
    writeJSON: @escaping @Sendable (Value) -> JSONValue
  ) {
    self.profileUnit = profileUnit
    self.apiUnit = apiUnit
    self.readText = readText
    self.writeText = writeText
    self.readJSON = readJSON
    self.writeJSON = writeJSON
  }
}

extension FieldCodec {
  /// A JSON number within `range`, or an error naming what was expected.
  static func number(_ json: JSONValue, in range: ClosedRange<Double>, _ expectation: String)
    throws(ValueError) -> Double
  {
    guard let number = json.doubleValue, number.isFinite, range.contains(number) else {
      throw ValueError("expected \(expectation), got \(json.shortText)")
    }
    return number
  }

  /// Drops binary noise from a unit conversion (0.30000000000000004 → 0.3) so values echo as written.
  static func rounded(_ value: Double) -> Double { (value * 1e9).rounded() / 1e9 }
}

extension FieldCodec where Value == Duration {
  /// A duration of zero or more; milliseconds over the API (or `apiNanoseconds` per unit).
  static func duration(
    positive: Bool = false, apiUnit: String = "milliseconds", apiNanoseconds: Double = 1_000_000
  ) -> FieldCodec {
    let smallest = positive ? Double.leastNonzeroMagnitude : 0
    let expectation = positive ? "\(apiUnit) > 0" : "\(apiUnit) >= 0"
    return FieldCodec(
      profileUnit: positive ? "duration > 0 (250ms, 2s)" : "duration (250ms, 2s)", apiUnit: apiUnit,
      readText: { (text: String) throws(ValueError) in
        try positive ? DurationText.readPositive(text) : DurationText.read(text)
      },
      writeText: { DurationText.format($0) },
      readJSON: { (json: JSONValue) throws(ValueError) in
        let amount = try number(json, in: smallest...1e15, expectation)
        return .nanoseconds(Int64((amount * apiNanoseconds).rounded()))
      },
      writeJSON: { .number(rounded(Double($0.totalNanoseconds) / apiNanoseconds)) })
  }
}

extension FieldCodec where Value == Int {
  /// A whole number of bytes within `range`: `64KB`, `1MiB` or `100` in profiles, bytes over the API.
  static func byteSize(in range: ClosedRange<Int> = 0...(Int.max / 2)) -> FieldCodec {
    let expectation = "a whole number of bytes from \(range.lowerBound) to \(range.upperBound)"
    let check: @Sendable (Int, String) throws(ValueError) -> Int = {
      bytes, written throws(ValueError) in
      guard range.contains(bytes) else {
        throw ValueError("expected \(expectation), got \(written)")
      }
      return bytes
    }
    return FieldCodec(
      profileUnit: range.lowerBound > 0
        ? "size >= \(range.lowerBound) (100, 64KB)" : "size (100, 64KB)",
      apiUnit: "bytes",
      readText: { (text: String) throws(ValueError) in
        try check(ByteSizeText.read(text), "\"\(text)\"")
      },
      writeText: { ByteSizeText.format($0) },
      readJSON: { (json: JSONValue) throws(ValueError) in
        let amount = try number(
          json, in: Double(range.lowerBound)...Double(range.upperBound), expectation)
        guard amount == amount.rounded() else {
          throw ValueError("expected \(expectation), got \(json.shortText)")
        }
        return Int(amount)
      },
      writeJSON: { .number(Double($0)) })
  }
}

extension FieldCodec where Value == Double {
  /// A data rate in bytes per second: `1.5Mbit/s`, `50KB/s` in profiles, KB/s (1000 bytes) over the API.
  static var byteRate: FieldCodec {
    FieldCodec(
      profileUnit: "rate (400kbit/s, 1.5Mbit/s, 50KB/s)", apiUnit: "KB/s (1 KB = 1000 bytes)",
      readText: { (text: String) throws(ValueError) in try ByteRateText.read(text) },
      writeText: { ByteRateText.format($0) },
      readJSON: { (json: JSONValue) throws(ValueError) in
        try number(json, in: 0...1e12, "KB/s >= 0") * 1000
      },
      writeJSON: { .number(rounded($0 / 1000)) })
  }

  /// A probability or share, 0...1: `0.02` or `2%` in profiles, 0...1 over the API.
  static var probability: FieldCodec {
    FieldCodec(
      profileUnit: "probability (0.02, 2%)", apiUnit: "0...1",
      readText: { (text: String) throws(ValueError) in try ProbabilityText.read(text) },
      writeText: { ProbabilityText.format($0) },
      readJSON: { (json: JSONValue) throws(ValueError) in
        try number(json, in: 0...1, "a probability between 0 and 1")
      },
      writeJSON: { .number($0) })
  }
}

extension FieldCodec where Value == Bool {
  static var bool: FieldCodec {
    FieldCodec(
      profileUnit: "true or false", apiUnit: "true or false",
      readText: { (text: String) throws(ValueError) in
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw ValueError("expected true or false, got \"\(text)\"")
        }
      },
      writeText: { String($0) },
      readJSON: { (json: JSONValue) throws(ValueError) in
        guard case .bool(let flag) = json else {
          throw ValueError("expected true or false, got \(json.shortText)")
        }
        return flag
      },
      writeJSON: { .bool($0) })
  }
}

extension FieldCodec where Value: CaseIterable & RawRepresentable<String> & Sendable {
  /// One of a closed set of words, the same in both forms.
  static var choice: FieldCodec {
    let names = Value.allCases.map(\.rawValue)
    let expectation = "one of " + names.joined(separator: ", ")
    let read: @Sendable (String) throws(ValueError) -> Value = { text throws(ValueError) in
      guard let choice = Value(rawValue: text) else {
        let hint = ClosestMatch.hint(for: text, among: names)
        throw ValueError("expected \(expectation), got \"\(text)\"\(hint)")
      }
      return choice
    }
    return FieldCodec(
      profileUnit: names.joined(separator: " | "), apiUnit: names.joined(separator: " | "),
      readText: read,
      writeText: { $0.rawValue },
      readJSON: { (json: JSONValue) throws(ValueError) in
        guard case .string(let text) = json else {
          throw ValueError("expected \(expectation), got \(json.shortText)")
        }
        return try read(text)
      },
      writeJSON: { .string($0.rawValue) })
  }
}

extension FieldCodec {
  /// The same value or nothing: left out of a profile, `null` over the API.
  static func optional<Wrapped>(_ codec: FieldCodec<Wrapped>) -> FieldCodec
  where Value == Wrapped? {
    FieldCodec(
      profileUnit: codec.profileUnit, apiUnit: codec.apiUnit + " or null",
      readText: { (text: String) throws(ValueError) in try codec.readText(text) },
      writeText: { $0.flatMap(codec.writeText) },
      readJSON: { (json: JSONValue) throws(ValueError) in
        json == .null ? nil : try codec.readJSON(json)
      },
      writeJSON: { $0.map(codec.writeJSON) ?? .null })
  }
}

extension Duration {
  /// The whole duration in nanoseconds (saturating far beyond any fault's range).
  public var totalNanoseconds: Int64 {
    let (seconds, attoseconds) = components
    return seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue
      &+ attoseconds / 1_000_000_000
  }
}
