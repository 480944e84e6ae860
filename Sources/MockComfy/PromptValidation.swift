/// A prompt graph that passed validation: what to run, in which order.
struct ValidatedPrompt: Sendable {
  struct Node: Sendable {
    let id: String
    let nodeClass: NodeClass
    let inputs: JSONObject
  }

  /// The output nodes, in the graph's order (`outputs_to_execute` of the queue item).
  let outputs: [String]
  /// Every node the outputs depend on, each after all of its inputs.
  let executionOrder: [Node]
}

/// Why the real server would refuse a graph: the `error` object and the `node_errors` of its 400 answer.
struct PromptValidationFailure: Error, Sendable {
  let error: JSONValue
  let nodeErrors: JSONValue

  var body: JSONValue { ["error": error, "node_errors": nodeErrors] }

  static func error(type: String, message: String, details: String = "", extraInfo: JSONValue = [:])
    -> JSONValue
  {
    [
      "type": .string(type), "message": .string(message), "details": .string(details),
      "extra_info": extraInfo,
    ]
  }
}

/// Validates an API-format graph the way ComfyUI's `execution.validate_prompt` does: every node has a known
/// `class_type`, there is an output node, and each output's inputs are present, of the right type and in range.
struct PromptValidator: Sendable {
  let catalog: NodeCatalog

  func validate(_ prompt: JSONValue) -> Result<ValidatedPrompt, PromptValidationFailure> {
    guard case .object(let graph) = prompt else {
      return .failure(
        PromptValidationFailure(
          error: PromptValidationFailure.error(
            type: "invalid_prompt",
            message: "Cannot execute because the prompt is not a JSON object."),
          nodeErrors: [:]))
    }
    var nodes: [String: ValidatedPrompt.Node] = [:]
    var outputs: [String] = []
    for (id, value) in graph.members {
      guard let classType = value["class_type"]?.stringValue else {
        return .failure(
          PromptValidationFailure(
            error: PromptValidationFailure.error(
              type: "invalid_prompt",
              message: "Cannot execute because a node is missing the class_type property.",
              details: "Node ID '#\(id)'"),
            nodeErrors: [:]))
      }
      guard let nodeClass = catalog[classType] else {
        return .failure(
          PromptValidationFailure(
            error: PromptValidationFailure.error(
              type: "missing_node_type",
              message: "Node '\(classType)' not found. The custom node may not be installed.",
              details: "Node ID '#\(id)'",
              extraInfo: [
                "node_id": .string(id), "class_type": .string(classType),
                "node_title": .string(classType),
              ]),
            nodeErrors: [:]))
      }
      nodes[id] = ValidatedPrompt.Node(
        id: id, nodeClass: nodeClass, inputs: value["inputs"]?.objectValue ?? [:])
      if nodeClass.isOutputNode { outputs.append(id) }
    }
    guard !outputs.isEmpty else {
      return .failure(
        PromptValidationFailure(
          error: PromptValidationFailure.error(
            type: "prompt_no_outputs", message: "Prompt has no outputs"),
          nodeErrors: [:]))
    }

    var nodeErrors = JSONObject()
    var failingOutputs: Set<String> = []
    for output in outputs {
      var visited: Set<String> = []
      let errors = inputErrors(of: output, in: nodes, visited: &visited)
      for (nodeID, nodeErrorList) in errors {
        failingOutputs.insert(output)
        var entry =
          nodeErrors[nodeID]?.objectValue
          ?? [
            "errors": .array(nodeErrorList), "dependent_outputs": [],
            "class_type": .string(nodes[nodeID]?.nodeClass.name ?? ""),
          ]
        entry["dependent_outputs"] = .array(
          (entry["dependent_outputs"]?.arrayValue ?? []) + [.string(output)])
        nodeErrors[nodeID] = .object(entry)
      }
    }
    if !failingOutputs.isEmpty {
      return .failure(
        PromptValidationFailure(
          error: PromptValidationFailure.error(
            type: "prompt_outputs_failed_validation", message: "Prompt outputs failed validation"),
          nodeErrors: .object(nodeErrors)))
    }

    var order: [ValidatedPrompt.Node] = []
    var placed: Set<String> = []
    for output in outputs { place(output, in: nodes, order: &order, placed: &placed) }
    return .success(ValidatedPrompt(outputs: outputs, executionOrder: order))
  }

  /// Depth-first: inputs before the node that uses them. Validation already ruled out missing links; a
  /// cycle is cut where it closes (the real server reports it at execution time instead).
  private func place(
    _ id: String, in nodes: [String: ValidatedPrompt.Node], order: inout [ValidatedPrompt.Node],
    placed: inout Set<String>
  ) {
    guard let node = nodes[id], placed.insert(id).inserted else { return }
    for name in node.nodeClass.required.map(\.0) + node.nodeClass.optional.map(\.0) {
      if let link = Self.link(node.inputs[name]) {
        place(link.node, in: nodes, order: &order, placed: &placed)
      }
    }
    order.append(node)
  }

  static func link(_ value: JSONValue?) -> (node: String, slot: Int)? {
    guard case .array(let parts) = value, parts.count == 2, let slot = parts[1].intValue else {
      return nil
    }
    switch parts[0] {
    case .string(let node): return (node, slot)
    case .int(let node): return (String(node), slot)
    default: return nil
    }
  }

  /// Errors of `id` and of every node it depends on, keyed by node id.
  private func inputErrors(
    of id: String, in nodes: [String: ValidatedPrompt.Node], visited: inout Set<String>
  ) -> [(String, [JSONValue])] {
    guard visited.insert(id).inserted, let node = nodes[id] else { return [] }
    var result: [(String, [JSONValue])] = []
    var errors: [JSONValue] = []
    for (name, spec) in node.nodeClass.required {
      guard let value = node.inputs[name] else {
        errors.append(
          PromptValidationFailure.error(
            type: "required_input_missing", message: "Required input is missing", details: name,
            extraInfo: ["input_name": .string(name)]))
        continue
      }
      let expectedType = spec.arrayValue?.first
      if let link = Self.link(value) {
        guard let source = nodes[link.node], link.slot >= 0,
          link.slot < source.nodeClass.outputs.count
        else {
          errors.append(
            PromptValidationFailure.error(
              type: "bad_linked_input",
              message: "Bad linked input, must be a length-2 list of [node_id, slot_index]",
              details: name,
              extraInfo: [
                "input_name": .string(name), "input_config": spec, "received_value": value,
              ]))
          continue
        }
        let receivedType = source.nodeClass.outputs[link.slot]
        if let expected = expectedType?.stringValue, expected != receivedType {
          errors.append(
            PromptValidationFailure.error(
              type: "return_type_mismatch", message: "Return type mismatch between linked nodes",
              details: "\(name), received_type(\(receivedType)) mismatch input_type(\(expected))",
              extraInfo: [
                "input_name": .string(name), "input_config": spec,
                "received_type": .string(receivedType), "linked_node": value,
              ]))
          continue
        }
        result += inputErrors(of: link.node, in: nodes, visited: &visited)
      } else if let error = valueError(name: name, value: value, spec: spec) {
        errors.append(error)
      }
    }
    if !errors.isEmpty { result.append((id, errors)) }
    return result
  }

  /// Range and list checks on a literal input, with the real server's error types and messages.
  private func valueError(name: String, value: JSONValue, spec: JSONValue) -> JSONValue? {
    guard let parts = spec.arrayValue, let kind = parts.first else { return nil }
    let options = parts.count > 1 ? parts[1] : [:]
    let extraInfo: JSONValue = [
      "input_name": .string(name), "input_config": spec, "received_value": value,
    ]
    if case .array(let allowed) = kind {
      guard allowed.contains(value) else {
        let listText =
          "[" + allowed.compactMap(\.stringValue).map { "'\($0)'" }.joined(separator: ", ") + "]"
        return PromptValidationFailure.error(
          type: "value_not_in_list", message: "Value not in list",
          details: "\(name): '\(value.stringValue ?? value.text)' not in \(listText)",
          extraInfo: extraInfo)
      }
      return nil
    }
    switch kind.stringValue {
    case "INT", "FLOAT":
      guard let number = value.doubleValue else {
        return PromptValidationFailure.error(
          type: "invalid_input_type",
          message: "Failed to convert an input value to a \(kind.stringValue ?? "") value",
          details: "\(name), \(value.text)", extraInfo: extraInfo)
      }
      if let minimum = options["min"]?.doubleValue, number < minimum {
        return PromptValidationFailure.error(
          type: "value_smaller_than_min",
          message: "Value \(value.text) smaller than min of \(options["min"]!.text)",
          details: name, extraInfo: extraInfo)
      }
      if let maximum = options["max"]?.doubleValue, number > maximum {
        return PromptValidationFailure.error(
          type: "value_bigger_than_max",
          message: "Value \(value.text) bigger than max of \(options["max"]!.text)",
          details: name, extraInfo: extraInfo)
      }
    case "STRING":
      if value.stringValue == nil {
        return PromptValidationFailure.error(
          type: "invalid_input_type", message: "Failed to convert an input value to a STRING value",
          details: "\(name), \(value.text)", extraInfo: extraInfo)
      }
    default:
      break
    }
    return nil
  }
}
