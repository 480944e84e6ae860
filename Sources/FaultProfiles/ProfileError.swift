import Foundation

/// A problem in a profile, located by file, line, column and field path.
///
/// `description` reads like a compiler diagnostic, so editors and terminals can jump to it:
/// `profiles/x.yaml:12:5: faults[2].jitter: expected a duration with a unit such as 250ms or 2s, got "abc"`.
public struct ProfileError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
  /// The file name (or the name given to a YAML body, such as the request that carried it).
  public var file: String
  /// 1-based line; 0 when the problem has no position (the file could not be read).
  public var line: Int
  /// 1-based column; 0 when the problem has no position.
  public var column: Int
  /// Path to the field, such as `faults[2].latency` or `timeline[1].at`; empty for the document itself.
  public var field: String
  /// What was found and what was expected.
  public var message: String

  public init(file: String, line: Int, column: Int, field: String, message: String) {
    self.file = file
    self.line = line
    self.column = column
    self.field = field
    self.message = message
  }

  public var description: String {
    let location = line > 0 ? "\(file):\(line):\(column)" : file
    return field.isEmpty ? "\(location): \(message)" : "\(location): \(field): \(message)"
  }

  public var errorDescription: String? { description }
}
