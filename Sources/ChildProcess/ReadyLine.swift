import Foundation

/// The first line a Faultline child prints on standard output: one JSON object with `"ready": true`
/// and whatever the child wants its parent to know (for the mock server: `port` and `pid`).
public struct ReadyLine: Sendable, Equatable {
  /// One top-level value of the ready object, kept in a `Sendable` form.
  public enum Value: Sendable, Equatable, Decodable {
    case bool(Bool)
    case number(Double)
    case string(String)
    case null
    /// An array or an object; the ready protocol has no use for their contents.
    case nested

    public init(from decoder: any Decoder) throws {
      let container = try decoder.singleValueContainer()
      if container.decodeNil() {
        self = .null
      } else if let bool = try? container.decode(Bool.self) {
        self = .bool(bool)
      } else if let number = try? container.decode(Double.self) {
        self = .number(number)
      } else if let text = try? container.decode(String.self) {
        self = .string(text)
      } else {
        self = .nested
      }
    }
  }

  /// The line exactly as printed, without its newline.
  public let line: String
  /// The object's top-level fields.
  public let fields: [String: Value]

  /// Parses `line`; the reason for a rejection names what is wrong with it.
  public init(parsing line: String) throws(ReadyLineError) {
    self.line = line
    let fields: [String: Value]
    do {
      fields = try JSONDecoder().decode([String: Value].self, from: Data(line.utf8))
    } catch {
      throw ReadyLineError(reason: "not a JSON object")
    }
    guard fields["ready"] == .bool(true) else {
      throw ReadyLineError(reason: "field \"ready\" is not true")
    }
    self.fields = fields
  }

  /// An integer field such as `port` or `pid`, or nil when absent or not an integer.
  public func integer(_ key: String) -> Int? {
    guard case .number(let number) = fields[key], number.rounded() == number else { return nil }
    return Int(exactly: number)
  }

  /// A string field, or nil when absent or not a string.
  public func string(_ key: String) -> String? {
    guard case .string(let text) = fields[key] else { return nil }
    return text
  }
}

/// Why a line is not a valid ready line.
public struct ReadyLineError: Error, CustomStringConvertible {
  public let reason: String
  public var description: String { reason }
}
