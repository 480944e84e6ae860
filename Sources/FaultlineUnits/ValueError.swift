/// A value that could not be read; the caller adds the file, position and field.
public struct ValueError: Error, Sendable {
  public let message: String

  public init(_ message: String) {
    self.message = message
  }

  /// The usual shape: what was expected, then what was found.
  public static func expected(_ expectation: String, got node: NodeFound) -> ValueError {
    ValueError("expected \(expectation), got \(node.description)")
  }
}

/// How a found value is named in an error: the text in quotes, or the kind of YAML node.
public struct NodeFound: CustomStringConvertible, Sendable {
  public let description: String

  public init(description: String) {
    self.description = description
  }

  public static func text(_ text: String) -> NodeFound { NodeFound(description: "\"\(text)\"") }
}
