/// One node class the mock knows: its `/object_info` entry, kept verbatim, and what validation and
/// execution read from it.
struct NodeClass: Sendable {
  let name: String
  /// The entry as the dump (or the built-in catalogue) has it; `/object_info` answers it unchanged.
  let info: JSONValue
  /// `(input name, spec)` in declaration order (`input_order` when the entry has one).
  let required: [(String, InputSpec)]
  let optional: [(String, InputSpec)]
  /// Names of the inputs the server fills itself (`PROMPT`, `UNIQUE_ID`...); never validated.
  let hidden: [String]
  /// `RETURN_TYPES`: the type of each output slot.
  let outputs: [String]
  let isOutputNode: Bool
  /// What running the node does, chosen by class name for the core nodes and by types otherwise.
  let behaviour: NodeBehaviour

  /// Required then optional inputs, the order in which validation walks them.
  var declaredInputs: [(String, InputSpec)] { required + optional }

  /// The `/object_info` entry, with `combo` replacing the choices of the input `comboInput` (LoadImage
  /// lists the files of the input directory as they are now).
  func objectInfo(replacingChoicesOf comboInput: String? = nil, with combo: [JSONValue] = [])
    -> JSONValue
  {
    guard let comboInput, case .object(var entry) = info,
      case .object(var input) = entry["input"] ?? .null,
      case .object(var section) = input["required"] ?? .null,
      case .array(var spec) = section[comboInput] ?? .null, !spec.isEmpty
    else { return info }
    spec[0] = .array(combo)
    section[comboInput] = .array(spec)
    input["required"] = .object(section)
    entry["input"] = .object(input)
    return .object(entry)
  }
}

/// One input's declared spec, `[TYPE, {options}]` as `/object_info` writes it.
struct InputSpec: Sendable {
  enum Kind: Sendable, Equatable {
    case int
    case float
    case string
    case boolean
    /// A list of choices (`[[a, b], {...}]`, or V3's `["COMBO", {"options": [...]}]`).
    case combo([JSONValue])
    /// Any other type name (`IMAGE`, `MODEL`, `*`, `A,B`): only a link can feed it.
    case linked(String)
  }

  /// The spec exactly as declared.
  let raw: JSONValue
  let kind: Kind
  let options: JSONObject

  /// `input_config` of error messages: the type and the options, `{}` when none are declared (the
  /// real server rebuilds the pair from its input info).
  var config: JSONValue {
    [raw.arrayValue?.first ?? .null, .object(options)]
  }

  /// The declared type as the server compares it with a link's type: the name, or "COMBO" for a list.
  var typeName: String {
    switch kind {
    case .int: "INT"
    case .float: "FLOAT"
    case .string: "STRING"
    case .boolean: "BOOLEAN"
    case .combo: raw.arrayValue?.first?.stringValue ?? "COMBO"
    case .linked(let name): name
    }
  }
}
