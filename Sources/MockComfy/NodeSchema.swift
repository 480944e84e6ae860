/// Reads one `/object_info` entry into a `NodeClass`, checking every field validation and execution
/// rely on, so that a malformed dump is refused at start instead of failing a prompt later.
enum NodeSchema {
  static func parse(name: String, entry: JSONValue, source: String) throws(ObjectInfoError)
    -> NodeClass
  {
    func fail(_ field: String?, _ problem: String) -> ObjectInfoError {
      ObjectInfoError(file: source, className: name, field: field, problem: problem)
    }
    guard case .object(let object) = entry else { throw fail(nil, "is not a JSON object") }
    guard let input = object["input"] else { throw fail("input", "is missing") }
    guard case .object(let sections) = input else {
      throw fail("input", "is not an object (got \(input.pythonJSONText))")
    }
    guard case .array(let outputValues) = object["output"] ?? .array([]) else {
      throw fail("output", "is not a list of type names")
    }
    var outputs: [String] = []
    for (index, value) in outputValues.enumerated() {
      // A COMBO output is declared as its list of choices.
      switch value {
      case .string(let type): outputs.append(type)
      case .array: outputs.append("COMBO")
      default: throw fail("output[\(index)]", "is not a type name (got \(value.pythonJSONText))")
      }
    }
    let isOutputNode: Bool
    switch object["output_node"] ?? .bool(false) {
    case .bool(let flag): isOutputNode = flag
    case let other: throw fail("output_node", "is not true or false (got \(other.pythonJSONText))")
    }
    let order = object["input_order"]
    var declared: [String: [(String, InputSpec)]] = [:]
    var hidden: [String] = []
    for (section, members) in sections.members {
      guard case .object(let inputs) = members else {
        throw fail("input.\(section)", "is not an object (got \(members.pythonJSONText))")
      }
      switch section {
      case "required", "optional":
        var specs: [(String, InputSpec)] = []
        for (inputName, spec) in inputs.members {
          specs.append(
            (inputName, try inputSpec(spec, field: "input.\(section).\(inputName)", fail: fail)))
        }
        // The real server walks inputs in `input_order` when the entry has one.
        if case .array(let names) = order?[section] ?? .null {
          let rank = Dictionary(
            names.enumerated().compactMap { index, value in value.stringValue.map { ($0, index) } },
            uniquingKeysWith: { first, _ in first })
          specs.sort { (rank[$0.0] ?? Int.max) < (rank[$1.0] ?? Int.max) }
        }
        declared[section] = specs
      case "hidden":
        hidden = inputs.keys
      default:
        throw fail("input.\(section)", "is not one of required, optional, hidden")
      }
    }
    return NodeClass(
      name: name, info: entry, required: declared["required"] ?? [],
      optional: declared["optional"] ?? [], hidden: hidden, outputs: outputs,
      isOutputNode: isOutputNode, behaviour: NodeBehaviour.of(className: name))
  }

  /// `[TYPE]` or `[TYPE, {options}]`, TYPE a type name or a list of choices.
  private static func inputSpec(
    _ spec: JSONValue, field: String, fail: (String?, String) -> ObjectInfoError
  ) throws(ObjectInfoError) -> InputSpec {
    guard case .array(let parts) = spec, let type = parts.first, parts.count <= 3 else {
      throw fail(field, "is not a type spec [TYPE, {options}] (got \(spec.pythonJSONText))")
    }
    var options = JSONObject()
    if parts.count > 1 {
      guard case .object(let given) = parts[1] else {
        throw fail(field, "has options that are not an object (got \(parts[1].pythonJSONText))")
      }
      options = given
    }
    let kind: InputSpec.Kind
    switch type {
    case .array(let choices):
      kind = .combo(choices)
    case .string("INT"): kind = .int
    case .string("FLOAT"): kind = .float
    case .string("STRING"): kind = .string
    case .string("BOOLEAN"): kind = .boolean
    case .string("COMBO"):
      guard case .array(let choices) = options["options"] ?? .array([]) else {
        throw fail(field, "is a COMBO whose options are not a list")
      }
      kind = .combo(choices)
    case .string(let name) where !name.isEmpty:
      kind = .linked(name)
    default:
      throw fail(field, "has an unknown type spec \(type.pythonJSONText)")
    }
    for bound in ["min", "max", "step", "round"] {
      if let value = options[bound], value.doubleValue == nil, value != .bool(false) {
        throw fail("\(field).\(bound)", "is not a number (got \(value.pythonJSONText))")
      }
    }
    return InputSpec(raw: spec, kind: kind, options: options)
  }
}
