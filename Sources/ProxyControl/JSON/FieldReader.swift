/// Reads typed fields out of one JSON object, naming the field (with its path) in every error and
/// refusing fields it was not asked about.
struct FieldReader {
  let members: [String: JSONValue]
  /// Prefix of field names in errors, e.g. `attributes.`.
  let path: String
  private(set) var consumed: Set<String> = []

  init(_ members: [String: JSONValue], path: String = "") {
    self.members = members
    self.path = path
  }

  /// The value of `field`, nil when absent or null.
  mutating func value(_ field: String) -> JSONValue? {
    consumed.insert(field)
    guard let value = members[field], value != .null else { return nil }
    return value
  }

  func invalid(_ field: String, _ value: JSONValue, _ expectation: String) -> ControlError {
    .badRequest("\(path)\(field): expected \(expectation), got \(value.shortText)")
  }

  mutating func number(_ field: String, in range: ClosedRange<Double>, _ expectation: String)
    throws(ControlError) -> Double?
  {
    guard let value = value(field) else { return nil }
    guard case .number(let number) = value, number.isFinite, range.contains(number) else {
      throw invalid(field, value, expectation)
    }
    return number
  }

  /// A duration written as a number of milliseconds (or of `unit` nanoseconds), never negative.
  mutating func duration(_ field: String, unitNanoseconds: Double = 1_000_000)
    throws(ControlError) -> Duration?
  {
    let expectation = unitNanoseconds == 1000 ? "microseconds >= 0" : "milliseconds >= 0"
    guard let amount = try number(field, in: 0...1e15, expectation) else { return nil }
    return .nanoseconds(Int64((amount * unitNanoseconds).rounded()))
  }

  mutating func probability(_ field: String) throws(ControlError) -> Double? {
    try number(field, in: 0...1, "a probability between 0 and 1")
  }

  /// A whole number of bytes (or other count) within `range`.
  mutating func count(_ field: String, in range: ClosedRange<Int> = 0...Int(Int32.max))
    throws(ControlError) -> Int?
  {
    let expectation = "a whole number from \(range.lowerBound) to \(range.upperBound)"
    guard
      let amount = try number(
        field, in: Double(range.lowerBound)...Double(range.upperBound), expectation)
    else { return nil }
    guard amount == amount.rounded() else { throw invalid(field, .number(amount), expectation) }
    return Int(amount)
  }

  mutating func bool(_ field: String) throws(ControlError) -> Bool? {
    guard let value = value(field) else { return nil }
    guard case .bool(let flag) = value else { throw invalid(field, value, "true or false") }
    return flag
  }

  mutating func string(_ field: String) throws(ControlError) -> String? {
    guard let value = value(field) else { return nil }
    guard case .string(let text) = value else { throw invalid(field, value, "a string") }
    return text
  }

  /// One of a closed set of words.
  mutating func choice<T: RawRepresentable>(_ field: String, of choices: [T]) throws(ControlError)
    -> T?
  where T.RawValue == String {
    guard let text = try string(field) else { return nil }
    guard let choice = choices.first(where: { $0.rawValue == text }) else {
      let names = choices.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
      throw invalid(field, .string(text), "one of \(names)")
    }
    return choice
  }

  /// Refuses any field that was not read, naming the first one and the fields that are allowed.
  func rejectUnknownFields(allowed: [String]) throws(ControlError) {
    guard let unknown = members.keys.filter({ !consumed.contains($0) }).sorted().first else {
      return
    }
    let list = allowed.isEmpty ? "none" : allowed.joined(separator: ", ")
    throw .badRequest("\(path)\(unknown): unknown field (allowed: \(list))")
  }
}
