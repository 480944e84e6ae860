/// A value that could not be read; the caller adds the file, position and field.
struct ValueError: Error {
  let message: String

  init(_ message: String) {
    self.message = message
  }

  /// The usual shape: what was expected, then what was found.
  static func expected(_ expectation: String, got node: NodeFound) -> ValueError {
    ValueError("expected \(expectation), got \(node.description)")
  }
}

/// How a found value is named in an error: the text in quotes, or the kind of YAML node.
struct NodeFound: CustomStringConvertible {
  let description: String

  static func text(_ text: String) -> NodeFound { NodeFound(description: "\"\(text)\"") }
}
