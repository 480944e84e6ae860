import ChildProcess
import Foundation
import Testing

@testable import MockComfy

/// A user's node set: a dump of a real server's `/object_info` loaded with `--object-info`, refused
/// whole when malformed, then validated from its schema and run by type.
@Suite("Node classes from an /object_info dump")
struct ObjectInfoTests {
  /// The built-in EmptyImage, plus classes a custom-node pack could declare.
  static let dump: JSONValue = {
    var classes = JSONObject()
    classes["EmptyImage"] = NodeCatalog.builtIn["EmptyImage"]!.info
    classes["FancyFilter"] = [
      "input": [
        "required": [
          "image": ["IMAGE"],
          "strength": ["INT", ["default": 1, "min": 0, "max": 10, "step": 1]],
          "mode": ["COMBO", ["options": ["soft", "hard"]]],
        ],
        "optional": ["anything": ["*"], "detail": ["FLOAT", ["min": 0.5, "max": 2.0]]],
        "hidden": ["unique_id": "UNIQUE_ID"],
      ],
      "output": ["IMAGE", "INT"], "output_is_list": [false, false],
      "output_name": ["IMAGE", "INT"],
      "name": "FancyFilter", "display_name": "Fancy", "description": "",
      "python_module": "custom_nodes.fancy",
      "category": "fancy", "output_node": false,
    ]
    classes["MaskOrImageSink"] = [
      "input": [
        "required": ["images": ["IMAGE,MASK"], "filename_prefix": ["STRING", ["default": "sink"]]]
      ],
      "output": [], "output_is_list": [], "output_name": [], "name": "MaskOrImageSink",
      "display_name": "Sink", "description": "", "python_module": "custom_nodes.fancy",
      "category": "fancy", "output_node": true,
    ]
    return .object(classes)
  }()

  static func catalog() throws -> NodeCatalog {
    try NodeCatalog(objectInfo: Array(dump.pythonJSONText.utf8), source: "test.json")
  }

  @Test("a malformed dump is refused naming the file, class and field")
  func malformedDumps() {
    let cases: [(String, String)] = [
      ("{\"A\": ", "test.json: is not JSON (invalid JSON at byte 6 (line 1, column 7)"),
      ("[1]", "test.json: is not a JSON object of node classes"),
      ("{\"A\": {\"output\": []}}", "test.json: class A, field input: is missing"),
      (
        "{\"A\": {\"input\": {\"required\": {\"x\": [5]}}}}",
        "test.json: class A, field input.required.x: has an unknown type spec 5"
      ),
      (
        "{\"A\": {\"input\": {\"required\": {\"x\": \"INT\"}}}}",
        "test.json: class A, field input.required.x: is not a type spec"
      ),
      (
        "{\"A\": {\"input\": {\"required\": {\"x\": [\"INT\", {\"min\": \"low\"}]}}}}",
        "test.json: class A, field input.required.x.min: is not a number"
      ),
      ("{\"A\": {\"input\": {\"weird\": {}}}}", "test.json: class A, field input.weird"),
      ("{\"A\": {\"input\": {}, \"output\": [3]}}", "test.json: class A, field output[0]"),
    ]
    for (text, expected) in cases {
      do {
        _ = try NodeCatalog(objectInfo: Array(text.utf8), source: "test.json")
        Issue.record("accepted: \(text)")
      } catch {
        #expect(error.description.hasPrefix(expected), "\(error.description)")
      }
    }
  }

  @Test("faultline mock --object-info refuses a bad dump before it listens, and serves a good one")
  func commandLine() async throws {
    let folder = try ScratchDirectory.create(prefix: "faultline-oi")
    defer { try? FileManager.default.removeItem(at: folder) }
    let bad = folder.appendingPathComponent("bad.json")
    try Data("{\"Broken\": {\"input\": {\"required\": {\"x\": [true]}}}}".utf8).write(to: bad)
    let refused = try ManagedChild(
      executable: try FaultlineExecutable.url,
      arguments: ["mock", "--port", "0", "--object-info", bad.path])
    // Completion, not just exit: the message may still be in the pipe when the exit is reaped.
    let status = await refused.waitForCompletion(timeout: .seconds(20))
    if status == nil { _ = await refused.terminate(grace: .seconds(1)) }
    #expect(status != nil && status != .exited(code: 0))
    #expect(!refused.standardOutput.contains("ready"), "no ready line: nothing started")
    #expect(refused.standardError.contains("\(bad.path): class Broken, field input.required.x"))

    let good = folder.appendingPathComponent("good.json")
    try Data(Self.dump.pythonJSONText.utf8).write(to: good)
    try await withMockProcess(arguments: ["--node-time", "5ms", "--object-info", good.path]) {
      _, port in
      let info = try await HTTP.get("http://127.0.0.1:\(port)/object_info").json
      #expect(info?.orderedObject?.keys == ["EmptyImage", "FancyFilter", "MaskOrImageSink"])
      #expect(info?["FancyFilter"] == Self.dump["FancyFilter"], "served as loaded")
      let unknown = try await HTTP.post(
        "http://127.0.0.1:\(port)/prompt",
        json: ["prompt": ["1": ["class_type": "SaveImage", "inputs": [:]]]])
      #expect(
        unknown.json?["error"]?["message"]
          == "Cannot execute because node SaveImage does not exist.")
    }
  }

  static func graph(strength: JSONValue = 3, sinkInput: JSONValue = ["2", 0]) -> JSONValue {
    [
      "1": [
        "class_type": "EmptyImage",
        "inputs": ["width": 24, "height": 12, "batch_size": 3, "color": 0],
      ],
      "2": [
        "class_type": "FancyFilter",
        "inputs": [
          "image": ["1", 0], "strength": strength, "mode": "hard", "anything": ["1", 0],
        ],
      ],
      "3": [
        "class_type": "MaskOrImageSink",
        "inputs": ["images": sinkInput, "filename_prefix": "fancy/out"],
      ],
    ]
  }

  @Test("validation comes from the schema: ranges, V3 COMBO options, * and union types, links")
  func validation() throws {
    let validator = PromptValidator(catalog: try Self.catalog(), inputFileExists: { _ in false })
    func reasons(_ prompt: JSONValue) -> [String: [String]] {
      switch validator.validate(prompt) {
      case .success(let validated):
        return validated.nodeErrors.members.reduce(into: [:]) { result, member in
          result[member.key] = member.value["errors"]?.arrayValue?.compactMap {
            $0["type"]?.stringValue
          }
        }
      case .failure(.refused(_, let nodeErrors)):
        return (nodeErrors.orderedObject?.members ?? []).reduce(into: [:]) { result, member in
          result[member.key] = member.value["errors"]?.arrayValue?.compactMap {
            $0["type"]?.stringValue
          }
        }
      case .failure(.serverError): return ["": ["500"]]
      }
    }
    // FancyFilter's `*` input takes an IMAGE; the sink's IMAGE,MASK union takes IMAGE.
    #expect(reasons(Self.graph()) == [:])
    #expect(reasons(Self.graph(strength: "7")) == [:], "int() of a numeric string")
    #expect(reasons(Self.graph(strength: 11)) == ["2": ["value_bigger_than_max"]])
    #expect(reasons(Self.graph(strength: 2.9)) == [:], "int(2.9) is 2")
    #expect(reasons(Self.graph(strength: .null)) == ["2": ["invalid_input_type"]])
    #expect(reasons(Self.graph(sinkInput: ["2", 1])) == ["3": ["return_type_mismatch"]])
    #expect(
      reasons(Self.graph(sinkInput: ["2", -2])) == [:], "a negative index counts from the end")
    #expect(reasons(Self.graph(sinkInput: ["2", 0, 1])) == ["3": ["bad_linked_input"]])
    #expect(reasons(Self.graph(sinkInput: ["2", "0"])) == ["3": ["exception_during_validation"]])
    #expect(reasons(Self.graph(sinkInput: [2, 0])) == ["3": ["exception_during_validation"]])

    // A link to a missing node below the output is reported on the node it points from's target.
    var inner = Self.graph().orderedObject!
    inner["2"] = [
      "class_type": "FancyFilter",
      "inputs": ["image": ["9", 0], "strength": 1, "mode": "soft"],
    ]
    #expect(reasons(.object(inner)) == ["2": ["exception_during_inner_validation"]])

    // A cycle: Python's recursion ends in a RecursionError, whose reason the node's own (empty)
    // result then overwrites, as in the real validate_inputs; the prompt is refused all the same.
    var cycle = Self.graph().orderedObject!
    cycle["2"] = [
      "class_type": "FancyFilter",
      "inputs": ["image": ["1", 0], "strength": 1, "mode": "soft", "anything": ["2", 1]],
    ]
    guard case .failure(.refused(let cycleError, _)) = validator.validate(.object(cycle)) else {
      Issue.record("a cycle passed validation")
      return
    }
    #expect(cycleError["type"] == "prompt_outputs_failed_validation")

    var badMode = Self.graph().orderedObject!
    badMode["2"] = [
      "class_type": "FancyFilter", "inputs": ["image": ["1", 0], "strength": 1, "mode": "x"],
    ]
    guard case .failure(.refused(_, let nodeErrors)) = validator.validate(.object(badMode)) else {
      Issue.record("a value outside the COMBO options passed")
      return
    }
    let reason = nodeErrors["2"]?["errors"]?.arrayValue?.first
    #expect(reason?["details"] == "mode: 'x' not in ['soft', 'hard']")
    #expect(reason?["extra_info"]?["input_config"] == ["COMBO", ["options": ["soft", "hard"]]])
  }

  @Test("a user's classes run by type: the image size flows through, the output node saves it")
  func execution() async throws {
    var configuration = MockServerConfiguration(nodeTime: .milliseconds(5), progressSteps: 1)
    configuration.nodes = try Self.catalog()
    try await withMockServer(configuration) { port in
      let socket = try await TestSocket.connect(port: port, clientID: "c")
      let reply = try await HTTP.post(
        "http://127.0.0.1:\(port)/prompt", json: ["prompt": Self.graph(), "client_id": "c"])
      let id = try #require(
        reply.json?["prompt_id"]?.stringValue, "\(reply.json?.pythonJSONText ?? "")")
      #expect(await socket.waitForDone(promptID: id))
      let history = try await HTTP.get("http://127.0.0.1:\(port)/history/\(id)").json
      let images = history?[id]?["outputs"]?["3"]?["images"]?.arrayValue ?? []
      #expect(images.count == 3, "one file per image of the batch")
      let first = try #require(images.first)
      #expect(first["subfolder"] == "fancy")
      #expect(first["type"] == "output")
      let view = try await HTTP.get(
        "http://127.0.0.1:\(port)/view?filename=\(first["filename"]?.stringValue ?? "")&subfolder=fancy"
      )
      #expect(pngSize(view.body).map { [$0.width, $0.height] } == [24, 12])
    }
  }
}
