import Foundation

/// A prompt graph that passed validation (at least one of its outputs did): what to run.
struct ValidatedPrompt: Sendable {
  struct Node: Sendable {
    let id: String
    let nodeClass: NodeClass
    let inputs: JSONObject
  }

  /// The output nodes that passed, in the graph's order (`outputs_to_execute` of the queue item).
  let outputs: [String]
  /// Every node of the graph that has a known class, by id.
  let nodes: [String: Node]
  /// `node_errors` of the outputs that failed; the 200 answer carries them and those outputs do not run.
  let nodeErrors: JSONObject
}

/// Why the real server refuses a prompt: a 400 with `error` and `node_errors`, or (for input its Python
/// code trips over) HTTP 500 with aiohttp's text body.
enum PromptValidationFailure: Error, Sendable {
  case refused(error: JSONValue, nodeErrors: JSONValue)
  case serverError

  static func error(type: String, message: String, details: String = "", extraInfo: JSONValue = [:])
    -> JSONValue
  {
    [
      "type": .string(type), "message": .string(message), "details": .string(details),
      "extra_info": extraInfo,
    ]
  }
}

/// Validates an API-format graph as ComfyUI 0.3.64's `execution.validate_prompt` does, error texts
/// included: the class of every node first, then each output node with everything it depends on.
/// An output that fails is reported in `node_errors`; the prompt is refused only when all fail.
struct PromptValidator: Sendable {
  let catalog: NodeCatalog
  /// Whether LoadImage's file exists (its `VALIDATE_INPUTS`), given the name as the prompt has it.
  let inputFileExists: @Sendable (String) -> Bool

  /// The frames of the real server's traceback for an exception raised while following a link.
  static let validatePromptFrame =
    "  File \"ComfyUI/execution.py\", line 1010, in validate_prompt\n    m = await validate_inputs(prompt_id, prompt, o, validated)\n        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
  static let missingNodeFrame =
    "  File \"ComfyUI/execution.py\", line 788, in validate_inputs\n    o_class_type = prompt[o_id]['class_type']\n                   ~~~~~~^^^^^^\n"
  static let recursionFrame =
    "  File \"ComfyUI/execution.py\", line 849, in validate_inputs\n    r = await validate_inputs(prompt_id, prompt, o_id, validated)\n"
  static let outputIndexFrame =
    "  File \"ComfyUI/execution.py\", line 790, in validate_inputs\n    received_type = r[val[1]]\n                    ~^^^^^^^^\n"

  func validate(_ prompt: JSONValue) -> Result<ValidatedPrompt, PromptValidationFailure> {
    let graph: JSONObject
    switch prompt {
    case .object(let object): graph = object
    // `for x in prompt` over an empty list or string finds no output; anything else raises.
    case .array([]), .string(""): graph = JSONObject()
    default: return .failure(.serverError)
    }
    var nodes: [String: ValidatedPrompt.Node] = [:]
    var outputs: [String] = []
    for (id, value) in graph.members {
      guard case .object(let node) = value else { return .failure(.serverError) }
      guard let classValue = node["class_type"] else {
        return .failure(
          .refused(
            error: PromptValidationFailure.error(
              type: "invalid_prompt",
              message: "Cannot execute because a node is missing the class_type property.",
              details: "Node ID '#\(id)'"),
            nodeErrors: [:]))
      }
      guard let classType = classValue.stringValue, let nodeClass = catalog[classType] else {
        return .failure(
          .refused(
            error: PromptValidationFailure.error(
              type: "invalid_prompt",
              message:
                "Cannot execute because node \(PythonText.str(classValue)) does not exist.",
              details: "Node ID '#\(id)'"),
            nodeErrors: [:]))
      }
      guard case .object(let inputs) = node["inputs"] ?? .object([:]) else {
        return .failure(.serverError)
      }
      nodes[id] = ValidatedPrompt.Node(id: id, nodeClass: nodeClass, inputs: inputs)
      if nodeClass.isOutputNode { outputs.append(id) }
    }
    guard !outputs.isEmpty else {
      return .failure(
        .refused(
          error: PromptValidationFailure.error(
            type: "prompt_no_outputs", message: "Prompt has no outputs"),
          nodeErrors: [:]))
    }

    var walk = Walk(nodes: nodes, validator: self)
    var goodOutputs: [String] = []
    var failedReasons: [[JSONValue]] = []
    var nodeErrors = JSONObject()
    for output in outputs {
      let result: (valid: Bool, reasons: [JSONValue])
      do {
        result = try walk.validate(output)
      } catch {
        let reasons = [
          PromptValidationFailure.error(
            type: "exception_during_validation", message: "Exception when validating node",
            details: error.message,
            extraInfo: [
              "exception_type": .string(error.type),
              "traceback": [.string(Self.validatePromptFrame), .string(error.frame)],
            ])
        ]
        walk.record(output, valid: false, reasons: reasons)
        result = (false, reasons)
      }
      if result.valid {
        goodOutputs.append(output)
        continue
      }
      failedReasons.append(result.reasons)
      // As the real server does: every node found failing so far (with reasons of its own) gets this
      // output added to its dependents, whichever output's walk found it.
      for (nodeID, reasons) in walk.failures {
        var entry =
          nodeErrors[nodeID]?.orderedObject
          ?? [
            "errors": .array(reasons), "dependent_outputs": [],
            "class_type": .string(nodes[nodeID]?.nodeClass.name ?? ""),
          ]
        entry["dependent_outputs"] = .array(
          (entry["dependent_outputs"]?.arrayValue ?? []) + [.string(output)])
        nodeErrors[nodeID] = .object(entry)
      }
    }
    guard !goodOutputs.isEmpty else {
      let details = failedReasons.joined().map {
        "\($0["message"]?.stringValue ?? ""): \($0["details"]?.stringValue ?? "")"
      }
      return .failure(
        .refused(
          error: PromptValidationFailure.error(
            type: "prompt_outputs_failed_validation", message: "Prompt outputs failed validation",
            details: details.joined(separator: "\n")),
          nodeErrors: .object(nodeErrors)))
    }
    return .success(ValidatedPrompt(outputs: goodOutputs, nodes: nodes, nodeErrors: nodeErrors))
  }

  /// A link as the server reads it: any list is one; nil for a literal value.
  static func link(_ value: JSONValue?) -> (node: String, slot: Int)? {
    guard case .array(let parts) = value, parts.count == 2, case .string(let node) = parts[0],
      let slot = parts[1].intValue
    else { return nil }
    return (node, slot)
  }
}

/// An exception the real validation raises (KeyError, IndexError, TypeError) while following a link.
struct ValidationException: Error {
  let type: String
  let message: String
  let frame: String
}

/// One validation pass over a graph: `validate_inputs` with its `validated` memo.
private struct Walk {
  let nodes: [String: ValidatedPrompt.Node]
  let validator: PromptValidator
  private var validated: [String: (valid: Bool, reasons: [JSONValue])] = [:]
  /// Node ids in the order they were first validated, as the real `validated` dict keeps them.
  private var order: [String] = []

  init(nodes: [String: ValidatedPrompt.Node], validator: PromptValidator) {
    self.nodes = nodes
    self.validator = validator
  }

  /// Failed nodes that have reasons of their own, in validation order.
  var failures: [(String, [JSONValue])] {
    order.compactMap { id in
      guard let result = validated[id], !result.valid, !result.reasons.isEmpty else { return nil }
      return (id, result.reasons)
    }
  }

  mutating func record(_ id: String, valid: Bool, reasons: [JSONValue]) {
    if validated[id] == nil { order.append(id) }
    validated[id] = (valid, reasons)
  }

  /// Nodes whose validation is under way: reaching one again is a cycle.
  private var inProgress: Set<String> = []

  mutating func validate(_ id: String) throws(ValidationException) -> (
    valid: Bool, reasons: [JSONValue]
  ) {
    if let known = validated[id] { return known }
    // Python recurses until its limit (about 1,000 frames); a cycle or a chain that deep ends in a
    // RecursionError there. The mock raises it at once for a cycle, and at the same depth for a chain.
    guard !inProgress.contains(id), inProgress.count < 300 else {
      throw ValidationException(
        type: "RecursionError", message: "maximum recursion depth exceeded",
        frame: PromptValidator.recursionFrame)
    }
    inProgress.insert(id)
    defer { inProgress.remove(id) }
    guard let node = nodes[id] else {
      throw ValidationException(
        type: "KeyError", message: PythonText.repr(.string(id)),
        frame: PromptValidator.missingNodeFrame)
    }
    var errors: [JSONValue] = []
    var valid = true
    for (name, spec) in node.nodeClass.declaredInputs {
      guard let value = node.inputs[name] else {
        if node.nodeClass.required.contains(where: { $0.0 == name }) {
          errors.append(
            PromptValidationFailure.error(
              type: "required_input_missing", message: "Required input is missing",
              details: name, extraInfo: ["input_name": .string(name)]))
        }
        continue
      }
      if case .array(let parts) = value {
        switch try checkLink(name: name, spec: spec, value: value, parts: parts) {
        case .error(let error): errors.append(error)
        case .source(let source):
          do {
            if try !validate(source).valid { valid = false }
          } catch {
            valid = false
            record(
              source, valid: false,
              reasons: [
                PromptValidationFailure.error(
                  type: "exception_during_inner_validation",
                  message: "Exception when validating inner node", details: error.message,
                  extraInfo: [
                    "input_name": .string(name), "input_config": spec.config,
                    "exception_message": .string(error.message),
                    "exception_type": .string(error.type),
                    "traceback": [.string(error.frame)], "linked_node": value,
                  ])
              ])
          }
        }
      } else if let error = literalError(node: node, name: name, spec: spec, value: value) {
        errors.append(error)
      }
    }
    let result = (valid: errors.isEmpty && valid, reasons: errors)
    record(id, valid: result.valid, reasons: errors)
    return result
  }

  private enum LinkCheck {
    case error(JSONValue)
    case source(String)
  }

  private func checkLink(name: String, spec: InputSpec, value: JSONValue, parts: [JSONValue])
    throws(ValidationException) -> LinkCheck
  {
    guard parts.count == 2 else {
      return .error(
        PromptValidationFailure.error(
          type: "bad_linked_input",
          message: "Bad linked input, must be a length-2 list of [node_id, slot_index]",
          details: name,
          extraInfo: [
            "input_name": .string(name), "input_config": spec.config, "received_value": value,
          ]
        ))
    }
    // Only a string names a node: the graph's keys are strings, so 1 is not "1" (a KeyError).
    guard case .string(let sourceID) = parts[0], let source = nodes[sourceID] else {
      if case .array = parts[0] {
        throw ValidationException(
          type: "TypeError", message: "unhashable type: 'list'",
          frame: PromptValidator.missingNodeFrame)
      }
      throw ValidationException(
        type: "KeyError", message: PythonText.repr(parts[0]),
        frame: PromptValidator.missingNodeFrame)
    }
    let outputs = source.nodeClass.outputs
    let slot: Int
    switch parts[1] {
    case .int(let index): slot = index
    case .bool(let flag): slot = flag ? 1 : 0
    default:
      throw ValidationException(
        type: "TypeError",
        message:
          "tuple indices must be integers or slices, not \(PythonText.typeName(parts[1]))",
        frame: PromptValidator.outputIndexFrame)
    }
    // Python indexing: a negative index counts from the end.
    let index = slot < 0 ? slot + outputs.count : slot
    guard outputs.indices.contains(index) else {
      throw ValidationException(
        type: "IndexError", message: "tuple index out of range",
        frame: PromptValidator.outputIndexFrame)
    }
    let received = outputs[index]
    let expected = declaredTypeText(spec)
    guard Self.typesMatch(received: received, expected: spec) else {
      return .error(
        PromptValidationFailure.error(
          type: "return_type_mismatch", message: "Return type mismatch between linked nodes",
          details: "\(name), received_type(\(received)) mismatch input_type(\(expected))",
          extraInfo: [
            "input_name": .string(name), "input_config": spec.config,
            "received_type": .string(received), "linked_node": value,
          ]))
    }
    return .source(sourceID)
  }

  private func declaredTypeText(_ spec: InputSpec) -> String {
    guard let type = spec.raw.arrayValue?.first else { return spec.typeName }
    return PythonText.str(type)
  }

  /// `validate_node_input`: equal names, a `*` on either side, or a shared member of `A,B` unions.
  static func typesMatch(received: String, expected spec: InputSpec) -> Bool {
    let expected: String
    switch spec.kind {
    case .combo:
      // A list of choices is not a string: only an equal (COMBO) or wildcard output feeds it.
      return received == "COMBO" || received == "*"
        || spec.raw.arrayValue?.first?.stringValue == received
    default: expected = spec.typeName
    }
    if received == expected { return true }
    let receivedTypes = Set(
      received.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    let expectedTypes = Set(
      expected.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    if receivedTypes.contains("*") || expectedTypes.contains("*") { return true }
    return !receivedTypes.isDisjoint(with: expectedTypes)
  }

  /// Conversion, range and choice checks on a literal, with the real server's texts.
  private func literalError(
    node: ValidatedPrompt.Node, name: String, spec: InputSpec, value: JSONValue
  ) -> JSONValue? {
    var converted = value
    let conversion: Result<JSONValue, PythonText.ConversionError>?
    switch spec.kind {
    case .int: conversion = PythonText.int(value)
    case .float: conversion = PythonText.float(value)
    case .string: conversion = .success(.string(PythonText.str(value)))
    default: conversion = nil
    }
    switch conversion {
    case .success(let result): converted = result
    case .failure(let error):
      return PromptValidationFailure.error(
        type: "invalid_input_type",
        message: "Failed to convert an input value to a \(spec.typeName) value",
        details: "\(name), \(PythonText.str(value)), \(error.message)",
        extraInfo: [
          "input_name": .string(name), "input_config": spec.config, "received_value": value,
          "exception_message": .string(error.message),
        ])
    case nil: break
    }
    let extraInfo: JSONValue = [
      "input_name": .string(name), "input_config": spec.config, "received_value": converted,
    ]
    if let number = converted.doubleValue {
      if let minimum = spec.options["min"], let bound = minimum.doubleValue, number < bound {
        return PromptValidationFailure.error(
          type: "value_smaller_than_min",
          message:
            "Value \(PythonText.str(converted)) smaller than min of \(PythonText.str(minimum))",
          details: name, extraInfo: extraInfo)
      }
      if let maximum = spec.options["max"], let bound = maximum.doubleValue, number > bound {
        return PromptValidationFailure.error(
          type: "value_bigger_than_max",
          message:
            "Value \(PythonText.str(converted)) bigger than max of \(PythonText.str(maximum))",
          details: name, extraInfo: extraInfo)
      }
    }
    if node.nodeClass.behaviour == .loadImage, name == "image" {
      // LoadImage's VALIDATE_INPUTS replaces the list check: the file must exist now.
      guard let file = converted.stringValue, validator.inputFileExists(file) else {
        return PromptValidationFailure.error(
          type: "custom_validation_failed", message: "Custom validation failed for node",
          details: "\(name) - Invalid image file: \(PythonText.str(converted))",
          extraInfo: extraInfo)
      }
      return nil
    }
    if case .combo(let choices) = spec.kind,
      !choices.contains(where: { Self.pythonEqual($0, converted) })
    {
      // The real server does not echo long lists (scanned model files): it names their length.
      let long = choices.count > 20
      return PromptValidationFailure.error(
        type: "value_not_in_list", message: "Value not in list",
        details:
          "\(name): '\(PythonText.str(converted))' not in \(long ? "(list of length \(choices.count))" : PythonText.repr(.array(choices)))",
        extraInfo: [
          "input_name": .string(name), "input_config": long ? .null : spec.config,
          "received_value": converted,
        ])
    }
    return nil
  }

  /// `==` as Python compares JSON-loaded values: numbers across int, float and bool.
  static func pythonEqual(_ left: JSONValue, _ right: JSONValue) -> Bool {
    switch (left, right) {
    case (.string(let a), .string(let b)): return a == b
    case (.null, .null): return true
    case (.array(let a), .array(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { pythonEqual($0, $1) }
    case (.object, .object): return left == right
    default:
      func number(_ value: JSONValue) -> Double? {
        if case .bool(let flag) = value { return flag ? 1 : 0 }
        return value.doubleValue
      }
      guard let a = number(left), let b = number(right) else { return false }
      return a == b
    }
  }
}
