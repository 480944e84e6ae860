import FaultlineUnits
import Yams

/// Reads the fields of one YAML mapping, reporting unknown, missing and malformed fields with their position.
struct MappingReader {
  let node: Node
  let path: FieldPath
  let diagnostics: Diagnostics
  private let entries: [(key: String, keyNode: Node, value: Node)]

  /// Nil (after reporting) when `node` is not a mapping; `expectation` says what the mapping should hold.
  init?(_ node: Node, path: FieldPath, expecting expectation: String, diagnostics: Diagnostics) {
    guard case .mapping(let mapping) = node else {
      diagnostics.report(
        ValueError.expected(expectation, got: NodeFound(node)).message, at: node, field: path)
      return nil
    }
    self.node = node
    self.path = path
    self.diagnostics = diagnostics
    self.entries = mapping.map {
      (key: $0.key.string ?? "\($0.key)", keyNode: $0.key, value: $0.value)
    }
  }

  var keys: [String] { entries.map(\.key) }

  func contains(_ key: String) -> Bool { entries.contains { $0.key == key } }

  /// The key node of `key` (for positions), if present.
  func keyNode(_ key: String) -> Node? { entries.first { $0.key == key }?.keyNode }

  /// Reports every key not in `allowed`; `owner` says whose fields they are ("a latency fault").
  func reportUnknownKeys(allowed: [String], owner: String) {
    for entry in entries where !allowed.contains(entry.key) {
      let hint = ClosestMatch.hint(for: entry.key, among: allowed)
      let valid = allowed.joined(separator: ", ")
      diagnostics.report(
        "unknown field \"\(entry.key)\" for \(owner)\(hint); valid fields: \(valid)",
        at: entry.keyNode, field: path.child(entry.key))
    }
  }

  /// Reports a field that is present but not allowed in this combination (explained by `reason`).
  func reportIfPresent(_ key: String, reason: String) {
    guard let keyNode = keyNode(key) else { return }
    diagnostics.report(reason, at: keyNode, field: path.child(key))
  }

  /// The value of `key` read by `read`; nil (after reporting) when missing or malformed.
  /// A missing field is reported at the start of the mapping; `example` shows a valid line, e.g. `latency: 100ms`.
  func required<Value>(
    _ key: String, example: String, _ read: (Node) throws(ValueError) -> Value
  ) -> Value? {
    guard contains(key) else {
      diagnostics.report(
        "missing required field \"\(key)\" (for example \(example))", at: node,
        field: path.child(key))
      return nil
    }
    return optional(key, read)
  }

  /// The value of `key` read by `read`; nil when absent, or (after reporting) when malformed.
  func optional<Value>(_ key: String, _ read: (Node) throws(ValueError) -> Value) -> Value? {
    guard let entry = entries.first(where: { $0.key == key }) else { return nil }
    do {
      return try read(entry.value)
    } catch {
      diagnostics.report(error.message, at: entry.keyNode, field: path.child(key))
      return nil
    }
  }

  /// The raw value node of `key`, for lists and mappings that are read by their own parsers.
  func valueNode(_ key: String) -> (keyNode: Node, value: Node)? {
    entries.first { $0.key == key }.map { ($0.keyNode, $0.value) }
  }
}
