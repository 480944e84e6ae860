import FaultProxy

/// Writes faults as a profile writes them, so that parsing the text gives the same faults back.
public enum FaultYAML {
  /// `spec` as one item of a profile's `faults:` list, indented by `indent` spaces.
  public static func item(_ spec: FaultSpec, indent: Int = 2) -> String {
    var lines = ["- type: \(spec.kind.typeName)"]
    lines.append("  name: \(quoted(spec.name))")
    lines.append("  stream: \(spec.stream.rawValue)")
    if spec.toxicity != 1 { lines.append("  toxicity: \(spec.toxicity)") }
    lines += fieldLines(spec.kind).map { "  " + $0 }
    let margin = String(repeating: " ", count: indent)
    return lines.map { margin + $0 }.joined(separator: "\n")
  }

  /// The fault's own fields, one `key: value` line each, in definition order.
  public static func fieldLines(_ fault: any Fault) -> [String] {
    fault.profileFields.map { "\($0.name): \(quoted($0.text))" }
  }

  /// A whole profile holding `faults`.
  public static func profile(name: String, description: String, faults: [FaultSpec]) -> String {
    var text = "name: \(quoted(name))\ndescription: \(quoted(description))\nfaults:\n"
    for spec in faults { text += item(spec) + "\n" }
    return text
  }

  /// Plain scalars stay plain; anything YAML could read as something else is double-quoted.
  static func quoted(_ text: String) -> String {
    let plain = text.allSatisfy { $0.isLetter || $0.isNumber || "._-/%µ".contains($0) }
    guard !plain || text.isEmpty else { return text }
    let escaped = text.replacingOccurrences(of: "\\", with: "\\\\")
      .replacingOccurrences(of: "\"", with: "\\\"")
    return "\"\(escaped)\""
  }
}
