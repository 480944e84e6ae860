import FaultProxy

/// The reference of every fault type, derived from the definitions: `faultline profile faults`
/// prints it, and docs/faults.md is its Markdown form (a test keeps the file in step).
public enum FaultCatalogDocs {
  /// docs/faults.md.
  public static func markdown() -> String {
    var text = """
      # Fault types

      Generated from the fault definitions (`Sources/FaultProxy/Faults/Catalog/`) by
      `faultline profile faults --markdown > docs/faults.md`; do not edit by hand. A test fails when
      this file and the definitions disagree. How to add a fault: `CREATING_FAULTS.md`.

      Every fault also takes the common fields `type`, `name`, `stream` and `toxicity`
      (see [profiles.md](profiles.md#faults)). Profiles write values with units (`250ms`, `2%`,
      `1.5Mbit/s`, `64KB`); the Toxiproxy-compatible API writes them in Toxiproxy's units, given in
      the API column. Toxiproxy's own types take `stream: upstream` or `downstream` over the API;
      Faultline's take `both` too.

      | type | origin | what it does |
      |---|---|---|

      """
    for type in FaultCatalog.all {
      text += "| [`\(type.name)`](#\(type.name)) | \(originText(type.origin)) | \(type.summary) |\n"
    }
    for type in FaultCatalog.all {
      text += "\n## \(type.name)\n\n\(sentence(type.summary))\n"
      if type.fields.isEmpty {
        text += "\nNo fields.\n"
      } else {
        text += "\n| field | profile | API | default | meaning |\n|---|---|---|---|---|\n"
        for field in type.fields {
          text +=
            "| `\(field.name)` | \(field.profileUnit) | \(field.apiUnit) | \(defaultText(field, code: "`")) "
            + "| \(field.doc)\(field.condition.map { " (only with `\($0)`)" } ?? "") |\n"
        }
      }
      text += "\nExample:\n\n```yaml\nfaults:\n"
      text += FaultYAML.item(FaultSpec(kind: type.example)) + "\n```\n"
    }
    return text
  }

  /// A plain-text listing for the terminal: each type, its summary and its fields.
  public static func listing() -> String {
    var lines: [String] = []
    for type in FaultCatalog.all {
      lines.append("\(type.name) (\(originText(type.origin))): \(type.summary)")
      for field in type.fields {
        let when = field.condition.map { ", only with \($0)" } ?? ""
        lines.append(
          "    \(field.name): \(field.profileUnit); \(defaultText(field, code: ""))\(when). \(field.doc)"
        )
      }
    }
    return lines.joined(separator: "\n")
  }

  private static func originText(_ origin: FaultOrigin) -> String {
    origin == .toxiproxy ? "Toxiproxy" : "Faultline"
  }

  /// The default, with `code` around values (a backtick in Markdown).
  private static func defaultText(_ field: FieldInfo, code: String) -> String {
    switch field.requirement {
    case .required: return "required"
    case .requiredInProfiles:
      return "required in profiles (API: \(code)\(field.defaultText ?? "0")\(code))"
    case .optional: return field.defaultText.map { code + $0 + code } ?? "none"
    }
  }

  private static func sentence(_ text: String) -> String {
    guard let first = text.first else { return text }
    return first.uppercased() + text.dropFirst() + "."
  }
}
