/// One node class the mock knows, described as `/object_info` describes it, plus what executing it produces.
struct NodeClass: Sendable {
  /// What running the node leaves behind, which decides its `executed` message and history output.
  enum Product: Sendable {
    case none
    /// Saved images in the `output` directory (SaveImage).
    case savedImages
    /// Temporary images in the `temp` directory (PreviewImage).
    case previewImages
  }

  let name: String
  let displayName: String
  let category: String
  let description: String
  /// `(input name, [type or combo list, options])` in declaration order.
  let required: [(String, JSONValue)]
  let optional: [(String, JSONValue)]
  let hidden: [(String, JSONValue)]
  let outputs: [String]
  let outputTooltips: [String]
  let isOutputNode: Bool
  /// Samplers report progress steps and preview frames while they run.
  let reportsProgress: Bool
  let product: Product
  /// Whether an unchanged node may come from the output cache. LoadImage may not: the real server
  /// hashes its file each time (`IS_CHANGED`), which the mock does not.
  var isCacheable = true

  /// The `/object_info` entry, field for field as the real `node_info` builds it.
  var objectInfo: JSONValue {
    var input = JSONObject()
    var inputOrder = JSONObject()
    for (section, members) in [("required", required), ("optional", optional), ("hidden", hidden)]
    where !members.isEmpty {
      var object = JSONObject()
      for (name, spec) in members { object[name] = spec }
      input[section] = .object(object)
      inputOrder[section] = .array(members.map { .string($0.0) })
    }
    var info: JSONObject = [
      "input": .object(input),
      "input_order": .object(inputOrder),
      "output": .array(outputs.map { .string($0) }),
      "output_is_list": .array(outputs.map { _ in .bool(false) }),
      "output_name": .array(outputs.map { .string($0) }),
      "name": .string(name),
      "display_name": .string(displayName),
      "description": .string(description),
      "python_module": "nodes",
      "category": .string(category),
      "output_node": .bool(isOutputNode),
    ]
    if !outputTooltips.isEmpty {
      info["output_tooltips"] = .array(outputTooltips.map { .string($0) })
    }
    return .object(info)
  }

  /// The declared spec of an input (required or optional), for validation.
  func spec(ofInput name: String) -> JSONValue? {
    (required + optional).first { $0.0 == name }?.1
  }
}
