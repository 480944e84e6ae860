import FaultProxy
import FaultlineUnits
import Yams

/// A fault read from a profile, with where it came from (for duplicate-name errors).
struct ParsedFault {
  let spec: FaultSpec
  let node: Node
  let path: FieldPath
  /// The `name` key, when the name was written rather than defaulted to `TYPE_STREAM`.
  let nameKey: Node?
}

/// Reads a list of faults and each fault's common fields (`type`, `name`, `stream`, `toxicity`).
struct FaultParser {
  let diagnostics: Diagnostics

  /// Reads `node` as a list of faults; faults with errors are reported and left out.
  func parseList(_ node: Node, path: FieldPath) -> [ParsedFault] {
    guard case .sequence(let sequence) = node else {
      diagnostics.report(
        ValueError.expected(
          "a list of faults (each item starting with \"- type:\")", got: NodeFound(node)
        )
        .message,
        at: node, field: path)
      return []
    }
    let faults = sequence.enumerated().compactMap { position, item in
      parseFault(item, path: path.index(position))
    }
    reportDuplicateNames(faults)
    return faults
  }

  private func parseFault(_ node: Node, path: FieldPath) -> ParsedFault? {
    guard
      let reader = MappingReader(
        node, path: path, expecting: "a fault: a mapping with a type and its fields",
        diagnostics: diagnostics)
    else { return nil }
    let validTypes = FaultCatalog.names
    guard
      let type = reader.required(
        "type", example: "type: latency",
        { (node: Node) throws(ValueError) -> String in
          let text = try node.scalarText(expecting: "a fault type")
          guard validTypes.contains(text) else {
            let hint = ClosestMatch.hint(for: text, among: validTypes)
            throw ValueError(
              "unknown fault type \"\(text)\"\(hint); valid types: \(validTypes.joined(separator: ", "))"
            )
          }
          return text
        })
    else { return nil }
    guard let faultType = FaultCatalog.type(named: type) else { return nil }
    reader.reportUnknownKeys(
      allowed: Self.commonFields + faultType.fieldNames, owner: "a \(type) fault")

    let name = reader.optional("name", ValueReaders.text)
    let stream =
      reader.optional(
        "stream", ValueReaders.choice(StreamSelector.self, among: StreamSelector.allCases)) ?? .both
    let toxicity = reader.optional("toxicity", ValueReaders.probability) ?? 1
    guard let kind = parseFields(of: faultType, reader: reader) else { return nil }
    let spec = FaultSpec(name: name, stream: stream, toxicity: toxicity, kind: kind)
    return ParsedFault(
      spec: spec, node: node, path: path, nameKey: name == nil ? nil : reader.keyNode("name"))
  }

  /// The fields every fault has, beside its type's own.
  static let commonFields = ["type", "name", "stream", "toxicity"]

  /// Reads the type's own fields through its definition; nil after reporting every problem.
  private func parseFields(of faultType: FaultType, reader: MappingReader) -> (any Fault)? {
    var inputs: [String: FieldInput] = [:]
    var readable = true
    for field in faultType.fields {
      guard let (keyNode, value) = reader.valueNode(field.name) else { continue }
      do {
        inputs[field.name] = .text(try value.scalarText(expecting: field.profileUnit))
      } catch {
        diagnostics.report(error.message, at: keyNode, field: reader.path.child(field.name))
        readable = false
      }
    }
    guard readable else { return nil }
    switch faultType.decode(inputs, form: .profile) {
    case .success(let fault):
      return fault
    case .failure(let failure):
      for error in failure.errors {
        let keyNode = error.field.flatMap(reader.keyNode)
        diagnostics.report(
          error.message, at: keyNode ?? reader.node,
          field: keyNode == nil ? reader.path : reader.path.child(error.field ?? ""))
      }
      return nil
    }
  }

  private func reportDuplicateNames(_ faults: [ParsedFault]) {
    var firstByName: [String: ParsedFault] = [:]
    for fault in faults {
      if let first = firstByName[fault.spec.name] {
        reportDuplicate(fault, clashesWith: first, context: "")
      } else {
        firstByName[fault.spec.name] = fault
      }
    }
  }

  /// Reports that `fault` has the name of `other`; `context` explains when they meet, if not obvious.
  func reportDuplicate(_ fault: ParsedFault, clashesWith other: ParsedFault, context: String) {
    let defaulted = fault.nameKey == nil ? " (the default name: type_stream)" : ""
    diagnostics.report(
      "duplicate fault name \"\(fault.spec.name)\"\(defaulted): \(other.path) has the same name\(context); "
        + "give one of them a distinct \"name\"",
      at: fault.nameKey ?? fault.node,
      field: fault.nameKey == nil ? fault.path : fault.path.child("name"))
  }
}
