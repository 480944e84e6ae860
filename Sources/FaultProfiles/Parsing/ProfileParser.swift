import FaultProxy
import FaultlineUnits
import Yams

/// A timeline phase read from a profile, with where it came from.
struct ParsedPhase {
  let phase: Profile.Phase
  let path: FieldPath
  let atKey: Node?
  let faults: [ParsedFault]
}

/// Reads the top level of a profile: name, description, seed, faults and timeline.
struct ProfileParser {
  let diagnostics: Diagnostics

  static let fields = ["name", "description", "seed", "faults", "timeline"]
  static let phaseFields = ["at", "duration", "faults"]

  /// Nil when the document is not a mapping or a required field is missing; other errors are reported.
  func parse(_ root: Node?) -> Profile? {
    guard let root else {
      diagnostics.report(
        "the profile is empty; expected a mapping with name, description and faults",
        at: nil as Mark?,
        field: .root)
      return nil
    }
    guard
      let reader = MappingReader(
        root, path: .root, expecting: "a profile: a mapping with name, description and faults",
        diagnostics: diagnostics)
    else { return nil }
    reader.reportUnknownKeys(allowed: Self.fields, owner: "a profile")
    let name = reader.required("name", example: "name: wifi-flaky", ValueReaders.text)
    let description = reader.required(
      "description", example: "description: \"Chrome DevTools Fast 4G (network-presets.md)\"",
      ValueReaders.text)
    let seed = reader.optional("seed", ValueReaders.seed)
    let faultParser = FaultParser(diagnostics: diagnostics)
    let faults =
      reader.valueNode("faults").map {
        faultParser.parseList($0.value, path: .root.child("faults"))
      } ?? []
    let phases =
      reader.valueNode("timeline").map { parseTimeline($0.value, path: .root.child("timeline")) }
      ?? []

    TimelineValidator(diagnostics: diagnostics).validate(phases)
    for phase in phases {
      reportNamesShared(between: faults, and: phase.faults, faultParser: faultParser)
    }
    guard let name, let description else { return nil }
    return Profile(
      name: name, description: description, seed: seed, faults: faults.map(\.spec),
      timeline: phases.map(\.phase))
  }

  private func parseTimeline(_ node: Node, path: FieldPath) -> [ParsedPhase] {
    guard case .sequence(let sequence) = node else {
      diagnostics.report(
        ValueError.expected(
          "a list of phases (each item starting with \"- at:\")", got: NodeFound(node)
        ).message,
        at: node, field: path)
      return []
    }
    return sequence.enumerated().compactMap { position, item in
      parsePhase(item, path: path.index(position))
    }
  }

  private func parsePhase(_ node: Node, path: FieldPath) -> ParsedPhase? {
    guard
      let reader = MappingReader(
        node, path: path, expecting: "a phase: a mapping with at, an optional duration, and faults",
        diagnostics: diagnostics)
    else { return nil }
    reader.reportUnknownKeys(allowed: Self.phaseFields, owner: "a timeline phase")
    let at = reader.required("at", example: "at: 10s", ValueReaders.duration)
    let duration = reader.optional("duration", ValueReaders.positiveDuration)
    let faults: [ParsedFault]
    if let faultsNode = reader.valueNode("faults") {
      faults = FaultParser(diagnostics: diagnostics).parseList(
        faultsNode.value, path: path.child("faults"))
    } else {
      diagnostics.report(
        "missing required field \"faults\" (the faults added while the phase is active, for example "
          + "faults: [{type: half_open}])",
        at: node, field: path.child("faults"))
      faults = []
    }
    guard let at, reader.contains("duration") == (duration != nil) else { return nil }
    return ParsedPhase(
      phase: Profile.Phase(at: at, duration: duration, faults: faults.map(\.spec)), path: path,
      atKey: reader.keyNode("at"), faults: faults)
  }

  /// Phase faults join the base faults while the phase runs, so their names must not clash.
  private func reportNamesShared(
    between base: [ParsedFault], and phase: [ParsedFault], faultParser: FaultParser
  ) {
    for fault in phase {
      if let clash = base.first(where: { $0.spec.name == fault.spec.name }) {
        faultParser.reportDuplicate(
          fault, clashesWith: clash, context: " and is active at the same time")
      }
    }
  }
}
