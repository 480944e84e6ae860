import FaultlineTestSupport
import Foundation
import Testing

@testable import MockComfy

/// What ComfyUI 0.3.64 does beyond the recorded traces, as clients meet it: file names, the cache of
/// LoadImage, partial prompts, addressing without a client, routes.
@Suite("Behaviour of the real server")
struct RealServerBehaviourTests {
  static let fast = MockServerConfiguration(nodeTime: .milliseconds(5), progressSteps: 2)

  static func imageGraph(prefix: String, color: Int = 0, width: Int = 16, height: Int = 8)
    -> JSONValue
  {
    [
      "1": [
        "class_type": "EmptyImage",
        "inputs": [
          "width": .int(width), "height": .int(height), "batch_size": 2, "color": .int(color),
        ],
      ],
      "2": [
        "class_type": "SaveImage",
        "inputs": ["images": ["1", 0], "filename_prefix": .string(prefix)],
      ],
    ]
  }

  /// Posts `prompt` for client "c" and waits for its end on `socket`; returns the prompt id.
  static func run(_ prompt: JSONValue, port: Int, socket: TestSocket) async throws -> String {
    let reply = try await HTTP.post(
      "http://127.0.0.1:\(port)/prompt", json: ["prompt": prompt, "client_id": "c"])
    let id = try #require(
      reply.json?["prompt_id"]?.stringValue, "\(reply.json?.pythonJSONText ?? "")")
    try #require(await socket.waitForDone(promptID: id))
    return id
  }

  static func images(_ port: Int, _ id: String, node: String) async throws -> [JSONValue] {
    let history = try await HTTP.get("http://127.0.0.1:\(port)/history/\(id)").json
    return history?[id]?["outputs"]?[node]?["images"]?.arrayValue ?? []
  }

  @Test("a prefix with a folder saves under that subfolder; counters run per prefix")
  func filenamePrefix() async throws {
    try await withMockServer(Self.fast) { port in
      let socket = try await TestSocket.connect(port: port, clientID: "c")
      let first = try await Self.run(
        Self.imageGraph(prefix: "project/img"), port: port, socket: socket)
      let second = try await Self.run(
        Self.imageGraph(prefix: "project/img", color: 1), port: port, socket: socket)
      let other = try await Self.run(
        Self.imageGraph(prefix: "other", color: 2), port: port, socket: socket)
      func names(_ images: [JSONValue]) -> [String] {
        images.map {
          "\($0["subfolder"]?.stringValue ?? "?")|\($0["filename"]?.stringValue ?? "?")"
        }
      }
      #expect(
        names(try await Self.images(port, first, node: "2"))
          == ["project|img_00001_.png", "project|img_00002_.png"])
      #expect(
        names(try await Self.images(port, second, node: "2"))
          == ["project|img_00003_.png", "project|img_00004_.png"])
      #expect(
        names(try await Self.images(port, other, node: "2")) == [
          "|other_00001_.png", "|other_00002_.png",
        ])
      // The files exist where the history says, at the image's size.
      let view = try await HTTP.get(
        "http://127.0.0.1:\(port)/view?filename=img_00003_.png&type=output&subfolder=project")
      #expect(view.status == 200)
      #expect(pngSize(view.body).map { [$0.width, $0.height] } == [16, 8])

      // A prefix leaving the output folder fails at run time, as the real SaveImage raises.
      let escape = try await HTTP.post(
        "http://127.0.0.1:\(port)/prompt",
        json: ["prompt": Self.imageGraph(prefix: "../outside", color: 3), "client_id": "c"])
      let escapeID = try #require(escape.json?["prompt_id"]?.stringValue)
      #expect(await socket.waitForDone(promptID: escapeID))
      let error = socket.texts.first {
        $0["type"] == "execution_error" && $0["data"]?["prompt_id"]?.stringValue == escapeID
      }
      #expect(error?["data"]?["exception_type"] == "Exception")
      #expect(
        error?["data"]?["exception_message"]?.stringValue?.contains(
          "Saving image outside the output folder is not allowed") == true)
    }
  }

  @Test(
    "LoadImage is served from the cache while its file is unchanged, and runs again when it changes"
  )
  func loadImageCache() async throws {
    try await withMockServer(Self.fast) { port in
      let socket = try await TestSocket.connect(port: port, clientID: "c")
      let picture = PNGEncoder.gradient(width: 20, height: 10, seed: 1)
      #expect(try await uploadImage(port: port, filename: "in.png", bytes: picture).status == 200)
      let graph: JSONValue = [
        "1": ["class_type": "LoadImage", "inputs": ["image": "in.png"]],
        "2": ["class_type": "ImageInvert", "inputs": ["image": ["1", 0]]],
        "3": ["class_type": "PreviewImage", "inputs": ["images": ["2", 0]]],
      ]
      func cached(_ id: String) -> [String] {
        socket.texts.first {
          $0["type"] == "execution_cached" && $0["data"]?["prompt_id"]?.stringValue == id
        }?["data"]?["nodes"]?.arrayValue?.compactMap(\.stringValue) ?? ["missing"]
      }
      let first = try await Self.run(graph, port: port, socket: socket)
      #expect(cached(first) == [])
      let file = try #require(try await Self.images(port, first, node: "3").first)
      let view = try await HTTP.get(
        "http://127.0.0.1:\(port)/view?filename=\(file["filename"]?.stringValue ?? "")&type=temp")
      #expect(
        pngSize(view.body).map { [$0.width, $0.height] } == [20, 10], "the loaded image's size")
      let second = try await Self.run(graph, port: port, socket: socket)
      #expect(cached(second) == ["1", "2", "3"])
      let changed = PNGEncoder.gradient(width: 30, height: 12, seed: 2)
      #expect(
        try await uploadImage(port: port, filename: "in.png", bytes: changed, overwrite: true)
          .status
          == 200)
      let third = try await Self.run(graph, port: port, socket: socket)
      #expect(cached(third) == [])

      // A file that is not there: LoadImage's own check, as the real server words it.
      let missing = try await HTTP.post(
        "http://127.0.0.1:\(port)/prompt",
        json: [
          "prompt": [
            "1": ["class_type": "LoadImage", "inputs": ["image": "nope.png"]],
            "3": ["class_type": "PreviewImage", "inputs": ["images": ["1", 0]]],
          ]
        ])
      #expect(missing.status == 400)
      let reason = missing.json?["node_errors"]?["1"]?["errors"]?.arrayValue?.first
      #expect(reason?["type"] == "custom_validation_failed")
      #expect(reason?["details"] == "image - Invalid image file: nope.png")
    }
  }

  @Test("one invalid output among valid ones: 200 with its node_errors, and the others run")
  func partialPrompt() async throws {
    try await withMockServer(Self.fast) { port in
      let socket = try await TestSocket.connect(port: port, clientID: "c")
      let prompt: JSONValue = [
        "1": [
          "class_type": "EmptyImage",
          "inputs": ["width": 8, "height": 8, "batch_size": 1, "color": 0],
        ],
        "2": [
          "class_type": "SaveImage", "inputs": ["images": ["1", 0], "filename_prefix": "good"],
        ],
        "3": ["class_type": "ImageInvert", "inputs": [:]],
        "4": ["class_type": "PreviewImage", "inputs": ["images": ["3", 0]]],
      ]
      let reply = try await HTTP.post(
        "http://127.0.0.1:\(port)/prompt", json: ["prompt": prompt, "client_id": "c"])
      #expect(reply.status == 200)
      let nodeErrors = try #require(reply.json?["node_errors"])
      #expect(nodeErrors["3"]?["dependent_outputs"] == ["4"])
      #expect(nodeErrors["3"]?["errors"]?.arrayValue?.first?["type"] == "required_input_missing")
      let id = try #require(reply.json?["prompt_id"]?.stringValue)
      #expect(await socket.waitForDone(promptID: id))
      let entry = try await HTTP.get("http://127.0.0.1:\(port)/history/\(id)").json?[id]
      #expect(entry?["prompt"]?.arrayValue?[4] == ["2"], "only the valid output is executed")
      #expect(entry?["outputs"]?.orderedObject?.keys == ["2"])
    }
  }

  @Test("a prompt without client_id: no execution messages to anyone, progress to everyone")
  func promptWithoutClient() async throws {
    try await withMockServer(Self.fast) { port in
      let bystander = try await TestSocket.connect(port: port, clientID: "b")
      let reply = try await HTTP.post(
        "http://127.0.0.1:\(port)/prompt", json: ["prompt": Self.imageGraph(prefix: "anon")])
      let id = try #require(reply.json?["prompt_id"]?.stringValue)
      #expect(
        await pollUntil {
          (try? await HTTP.get("http://127.0.0.1:\(port)/history/\(id)").json?[id]) != nil
        })
      // The history entry is written before the last broadcast: wait for that status to arrive.
      _ = await bystander.waitForText {
        $0["type"] == "status" && $0["data"]?["status"]?["exec_info"]?["queue_remaining"] == 0
          && $0["data"]?["sid"] == nil
      }
      let types = Set(bystander.texts.compactMap { $0["type"]?.stringValue })
      #expect(
        types.isDisjoint(with: [
          "execution_start", "execution_cached", "executing", "executed", "execution_success",
        ]))
      #expect(types.contains("progress_state"))
      #expect(types.contains("status"))
    }
  }

  @Test("an interrupt takes effect between nodes: the running node completes, the next one stops")
  func interruptBetweenNodes() async throws {
    var configuration = Self.fast
    // Seconds of slack for the interrupt to arrive while node 1 runs, on a loaded machine.
    configuration.slowNodes = ["1": .seconds(3)]
    try await withMockServer(configuration) { port in
      let socket = try await TestSocket.connect(port: port, clientID: "c")
      let reply = try await HTTP.post(
        "http://127.0.0.1:\(port)/prompt",
        json: ["prompt": Self.imageGraph(prefix: "cut"), "client_id": "c"])
      let id = try #require(reply.json?["prompt_id"]?.stringValue)
      #expect(
        await socket.waitForText { $0["type"] == "executing" && $0["data"]?["node"] == "1" } != nil)
      #expect(try await HTTP.post("http://127.0.0.1:\(port)/interrupt", json: [:]).status == 200)
      #expect(await socket.waitForDone(promptID: id))
      let interrupted = socket.texts.first { $0["type"] == "execution_interrupted" }?["data"]
      #expect(interrupted?["node_id"] == "2", "stopped before the next node")
      #expect(interrupted?["executed"] == ["1"], "the running node completed")
      let entry = try await HTTP.get("http://127.0.0.1:\(port)/history/\(id)").json?[id]
      #expect(entry?["status"]?["status_str"] == "error")
      #expect(entry?["outputs"] == [:], "SaveImage never ran")
    }
  }

  @Test(
    "routes: GET / serves a page, unknown paths get the static route's empty 404 (405 for POST), KSampler's real ranges"
  )
  func routes() async throws {
    try await withMockServer(Self.fast) { port in
      let root = try await HTTP.get("http://127.0.0.1:\(port)/")
      #expect(root.status == 200)
      #expect(root.header("Content-Type")?.hasPrefix("text/html") == true)
      let unknown = try await HTTP.get("http://127.0.0.1:\(port)/no/such/route")
      #expect(unknown.status == 404)
      #expect(unknown.header("Content-Type") == "application/octet-stream")
      #expect(unknown.body.isEmpty)
      let posted = try await HTTP.post("http://127.0.0.1:\(port)/no/such/route", json: [:])
      #expect(posted.status == 405)
      #expect(posted.header("Allow") == "GET,HEAD")
      #expect(String(decoding: posted.body, as: UTF8.self) == "405: Method Not Allowed")
      let sampler = try await HTTP.get("http://127.0.0.1:\(port)/object_info/KSampler")
      let seed = sampler.json?["KSampler"]?["input"]?["required"]?["seed"]
      #expect(seed?.arrayValue?[1]["max"]?.pythonJSONText == "18446744073709551615")
      let samplers =
        sampler.json?["KSampler"]?["input"]?["required"]?["sampler_name"]?
        .arrayValue?.first?.arrayValue ?? []
      #expect(samplers.count > 20 && samplers.contains("euler"))
      // A long list is named by its length in the error, not echoed.
      var workflow = defaultWorkflow().orderedObject!
      var sampler3 = workflow["3"]!.orderedObject!
      var inputs = sampler3["inputs"]!.orderedObject!
      inputs["sampler_name"] = "nope"
      sampler3["inputs"] = .object(inputs)
      workflow["3"] = .object(sampler3)
      let refused = try await HTTP.post(
        "http://127.0.0.1:\(port)/prompt", json: ["prompt": .object(workflow)])
      let reason = refused.json?["node_errors"]?["3"]?["errors"]?.arrayValue?.first
      #expect(
        reason?["details"]
          == .string("sampler_name: 'nope' not in (list of length \(samplers.count))"))
      #expect(reason?["extra_info"]?["input_config"] == .null)
    }
  }
}
