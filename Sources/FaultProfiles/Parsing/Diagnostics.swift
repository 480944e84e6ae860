import Yams

/// Collects every problem found while reading one profile, so lint can show them all at once.
///
/// Used by one parse on one thread, then discarded; it is deliberately not `Sendable`.
final class Diagnostics {
  let file: String
  private var errors: [ProfileError] = []

  init(file: String) {
    self.file = file
  }

  /// Errors ordered by position, so the first one is the earliest in the file.
  var sortedErrors: [ProfileError] {
    // Stable: problems reported for the same position keep the order they were found in.
    errors.enumerated()
      .sorted {
        ($0.element.line, $0.element.column, $0.offset) < (
          $1.element.line, $1.element.column, $1.offset
        )
      }
      .map(\.element)
  }

  var hasErrors: Bool { !errors.isEmpty }

  func report(_ message: String, at node: Node?, field: FieldPath) {
    report(message, at: node?.mark, field: field)
  }

  func report(_ message: String, at mark: Mark?, field: FieldPath) {
    errors.append(
      ProfileError(
        file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, field: field.description,
        message: message))
  }

  /// Turns a Yams failure (a YAML syntax error) into a located error.
  func report(yamlError error: any Error) {
    guard let yamlError = error as? YamlError else {
      report("cannot parse YAML: \(error)", at: nil as Mark?, field: .root)
      return
    }
    switch yamlError {
    case .scanner(let context, let problem, let mark, _),
      .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      if let context, problem.contains("end of stream") {
        // Reaching the end of the file is a symptom; the cause (an unclosed quote or bracket) is
        // where the context began.
        report(
          "YAML syntax error: \(context.text) starting here, the file ended before it was closed",
          at: context.mark, field: .root)
      } else {
        let detail = context.map { "\($0.text) at line \($0.mark.line), " } ?? ""
        report("YAML syntax error: \(detail)\(problem)", at: mark, field: .root)
      }
    case .duplicatedKeysInMapping(let duplicates, let context):
      let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
      report(
        "YAML error: the key \(keys) appears more than once in the same mapping; keep one",
        at: context.mark, field: .root)
    case .reader(let problem, _, _, _):
      report("cannot read YAML: \(problem)", at: nil as Mark?, field: .root)
    default:
      report("cannot parse YAML: \(yamlError)", at: nil as Mark?, field: .root)
    }
  }
}
