import FaultlineJSON

/// The first line a Faultline child prints on standard output: one JSON object with `"ready": true`
/// and whatever the child wants its parent to know (for the mock server: `port` and `pid`). The child
/// writes it with `init(announcing:)`, the parent reads it with `init(parsing:)`.
public struct ReadyLine: Sendable, Equatable {
  /// The line exactly as printed, without its newline.
  public let line: String
  /// The object's top-level fields.
  public let fields: JSONObject

  /// Parses `line`; the reason for a rejection names what is wrong with it.
  public init(parsing line: String) throws(ReadyLineError) {
    guard case .object(let fields)? = try? JSONValue.parse(Array(line.utf8)) else {
      throw ReadyLineError(reason: "not a JSON object")
    }
    guard fields["ready"] == .bool(true) else {
      throw ReadyLineError(reason: "field \"ready\" is not true")
    }
    self.line = line
    self.fields = fields
  }

  /// The line a ready child prints: `"ready": true` and `fields`, keys sorted.
  public init(announcing fields: JSONObject) {
    var all = fields
    all["ready"] = .bool(true)
    self.fields = all
    self.line = JSONValue.object(all).jsonText
  }

  /// An integer field such as `port` or `pid`, or nil when absent or not an integer.
  public func integer(_ key: String) -> Int? {
    fields[key]?.intValue
  }

  /// A string field, or nil when absent or not a string.
  public func string(_ key: String) -> String? {
    fields[key]?.stringValue
  }
}

/// Why a line is not a valid ready line.
public struct ReadyLineError: Error, CustomStringConvertible {
  public let reason: String
  public var description: String { reason }
}
