import FaultlineTestSupport
import Foundation
import MockComfy
import Testing

@Suite("Prompt execution and the message sequence")
struct PromptSequenceTests {
  /// The types of the text messages after the greeting, in arrival order.
  static func outline(_ texts: [JSONValue]) -> [String] {
    texts.dropFirst().compactMap { $0["type"]?.stringValue }
  }

  @Test(
    "one prompt: the submitting client sees the full sequence in order; a bystander sees only broadcasts"
  )
  func fullSequence() async throws {
    try await withMockServer { port async throws in
      let client = try await TestSocket.connect(port: port, clientID: "submitter")
      let bystander = try await TestSocket.connect(port: port, clientID: "bystander")
      #expect(
        client.texts.first == [
          "type": "status",
          "data": ["status": ["exec_info": ["queue_remaining": 0]], "sid": "submitter"],
        ])

      let promptID = UUID().uuidString.lowercased()
      let reply = try await HTTP.post(
        "http://127.0.0.1:\(port)/prompt",
        json: [
          "prompt": defaultWorkflow(), "client_id": "submitter", "prompt_id": .string(promptID),
        ])
      #expect(reply.status == 200)
      #expect(reply.json?["prompt_id"]?.stringValue == promptID)
      #expect(reply.json?["node_errors"] == [:])
      #expect(await client.waitForDone(promptID: promptID))

      let types = Self.outline(client.texts)
      // Per node: progress_state, executing, [progress_state, progress]*, [executed], progress_state.
      // Nodes run in the order of ComfyUI's ExecutionList: the loader first (it leads to the
      // output soonest), then the others in the order the outputs' walk met them.
      var expected = ["status", "status", "execution_start", "execution_cached"]
      for node in ["4", "5", "7", "6", "3", "8", "9"] {
        expected += ["progress_state", "executing"]
        if node == "3" { expected += ["progress_state", "progress", "progress_state", "progress"] }
        if node == "9" { expected += ["executed"] }
        expected += ["progress_state"]
      }
      expected += ["execution_success", "status", "executing"]
      #expect(types == expected)

      let executingNodes = client.texts.filter { $0["type"] == "executing" }.map {
        $0["data"]?["node"] ?? "missing"
      }
      #expect(executingNodes == ["4", "5", "7", "6", "3", "8", "9", .null])
      let statusCounts = client.texts.filter { $0["type"] == "status" }.compactMap {
        $0["data"]?["status"]?["exec_info"]?["queue_remaining"]?.intValue
      }
      #expect(statusCounts == [0, 1, 1, 0], "greeting, queued, taken, done")
      let executed = try #require(client.texts.first { $0["type"] == "executed" })
      #expect(executed["data"]?["node"] == "9")
      #expect(executed["data"]?["display_node"] == "9")
      #expect(executed["data"]?["prompt_id"]?.stringValue == promptID)
      let image = try #require(executed["data"]?["output"]?["images"]?.arrayValue?.first)
      #expect(image["type"] == "output")
      #expect(image["subfolder"] == "")
      let progress = client.texts.filter { $0["type"] == "progress" }.map { $0["data"]! }
      #expect(
        progress == [
          ["value": 1, "max": 2, "prompt_id": .string(promptID), "node": "3"],
          ["value": 2, "max": 2, "prompt_id": .string(promptID), "node": "3"],
        ])
      #expect(
        client.texts.first { $0["type"] == "execution_start" }?["data"]?["timestamp"]?.intValue ?? 0
          > 1_700_000_000_000)
      #expect(client.binaries.count == 2, "one preview per progress step")

      // The bystander sees the queue broadcasts only (greeting + queued + taken + done).
      #expect(await pollUntil { bystander.texts.count >= 4 })
      #expect(Self.outline(bystander.texts) == ["status", "status", "status"])
      #expect(bystander.binaries.isEmpty)

      let history = try #require(
        try await HTTP.get("http://127.0.0.1:\(port)/history/\(promptID)").json?[promptID])
      #expect(history["status"]?["status_str"] == "success")
      #expect(history["status"]?["completed"] == true)
      #expect(
        history["status"]?["messages"]?.arrayValue?.compactMap { $0.arrayValue?.first?.stringValue }
          == ["execution_start", "execution_cached", "execution_success"])
      #expect(history["outputs"]?["9"]?["images"]?.arrayValue?.first == image)
      #expect(history["prompt"]?.arrayValue?[1].stringValue == promptID)
      #expect(history["prompt"]?.arrayValue?[3]["client_id"] == "submitter")
      #expect(history["prompt"]?.arrayValue?[4] == ["9"])
      #expect(history["meta"]?["9"]?["node_id"] == "9")

      let filename = try #require(image["filename"]?.stringValue)
      let view = try await HTTP.get(
        "http://127.0.0.1:\(port)/view?filename=\(filename)&type=output&subfolder=")
      #expect(view.status == 200)
      #expect(view.header("Content-Type") == "image/png")
      #expect(Array(view.body.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }
  }

  @Test("preview frames: type 1 by default, type 4 with metadata after feature_flags")
  func previewFrames() async throws {
    try await withMockServer { port async throws in
      let plain = try await TestSocket.connect(port: port, clientID: "plain")
      let rich = try await TestSocket.connect(port: port, clientID: "rich", featureFlags: true)
      #expect(
        await rich.waitForText { $0["type"] == "feature_flags" }?["data"]?[
          "supports_preview_metadata"] == true)
      // Different seeds: an identical second prompt would come from the cache, with no previews.
      for (client, seed) in [("plain", 1), ("rich", 2)] {
        let promptID = UUID().uuidString.lowercased()
        _ = try await HTTP.post(
          "http://127.0.0.1:\(port)/prompt",
          json: [
            "prompt": defaultWorkflow(seed: seed), "client_id": .string(client),
            "prompt_id": .string(promptID),
          ])
        #expect(await (client == "plain" ? plain : rich).waitForDone(promptID: promptID))
      }
      let plainFrame = try #require(plain.binaries.first)
      #expect(Array(plainFrame.prefix(8)) == [0, 0, 0, 1, 0, 0, 0, 2], "type 1, format PNG")
      #expect(Array(plainFrame[8..<12]) == [0x89, 0x50, 0x4E, 0x47])

      let richFrame = try #require(rich.binaries.first)
      #expect(Array(richFrame.prefix(4)) == [0, 0, 0, 4])
      let length = richFrame[4..<8].reduce(0) { $0 << 8 | Int($1) }
      let metadata = try JSONValue.parse(richFrame[8..<8 + length])
      #expect(metadata["node_id"] == "3")
      #expect(metadata["image_type"] == "image/png")
      #expect(metadata["prompt_id"]?.stringValue?.isEmpty == false)
      #expect(Array(richFrame[(8 + length)..<(12 + length)]) == [0x89, 0x50, 0x4E, 0x47])
    }
  }

  @Test("two prompts queue and run in order; /queue shows running and pending")
  func queueOrder() async throws {
    // The sampler runs long enough that the first prompt is surely still running when the queue is
    // read, however slow the machine.
    try await withMockServer(
      .init(
        nodeTime: .milliseconds(10), progressSteps: 1, statusInterval: nil,
        slowNodes: ["KSampler": .seconds(5)])
    ) { port async throws in
      let client = try await TestSocket.connect(port: port, clientID: "c")
      let first = try await HTTP.post(
        "http://127.0.0.1:\(port)/prompt", json: ["prompt": defaultWorkflow(), "client_id": "c"])
      let second = try await HTTP.post(
        "http://127.0.0.1:\(port)/prompt",
        json: ["prompt": defaultWorkflow(seed: 6), "client_id": "c"])
      let firstID = try #require(first.json?["prompt_id"]?.stringValue)
      let secondID = try #require(second.json?["prompt_id"]?.stringValue)
      #expect(first.json?["number"] == 0)
      #expect(second.json?["number"] == 1)
      let queue = try #require(try await HTTP.get("http://127.0.0.1:\(port)/queue").json)
      #expect(queue["queue_running"]?.arrayValue?.first?.arrayValue?[1].stringValue == firstID)
      #expect(queue["queue_pending"]?.arrayValue?.first?.arrayValue?[1].stringValue == secondID)
      #expect(
        try await HTTP.get("http://127.0.0.1:\(port)/prompt").json?["exec_info"]?["queue_remaining"]
          == 2)
      #expect(await client.waitForDone(promptID: secondID, timeout: .seconds(40)))
      let starts = client.texts.filter { $0["type"] == "execution_start" }.compactMap {
        $0["data"]?["prompt_id"]?.stringValue
      }
      #expect(starts == [firstID, secondID])
      let history = try #require(
        try await HTTP.get("http://127.0.0.1:\(port)/history").json?.orderedObject)
      #expect(history.keys == [firstID, secondID])
      #expect(
        try await HTTP.get("http://127.0.0.1:\(port)/history?max_items=1").json?.orderedObject?.keys
          == [secondID])
    }
  }

  @Test("queue and history deletion")
  func deletion() async throws {
    // The first prompt runs until it is interrupted, so the second is surely still pending.
    try await withMockServer(
      .init(
        nodeTime: .milliseconds(10), progressSteps: 1, statusInterval: nil,
        slowNodes: ["KSampler": .seconds(60)])
    ) { port async throws in
      let base = "http://127.0.0.1:\(port)"
      let running = try #require(
        try await HTTP.post(
          "\(base)/prompt", json: ["prompt": defaultWorkflow(), "client_id": "c"]
        ).json?["prompt_id"]?.stringValue)
      let pending = try #require(
        try await HTTP.post(
          "\(base)/prompt", json: ["prompt": defaultWorkflow(), "client_id": "c"]
        ).json?["prompt_id"]?.stringValue)
      #expect(
        try await HTTP.post("\(base)/queue", json: ["delete": [.string(pending)]]).status == 200)
      #expect(try await HTTP.get("\(base)/queue").json?["queue_pending"] == [])
      #expect(
        try await HTTP.post("\(base)/interrupt", json: ["prompt_id": .string(running)]).status
          == 200)
      #expect(
        try await pollUntil {
          try await HTTP.get("\(base)/history/\(running)").json?[running] != nil
        })
      #expect(
        try await HTTP.get("\(base)/history/\(pending)").json == [:],
        "a deleted pending prompt never runs")
      #expect(
        try await HTTP.post("\(base)/history", json: ["delete": [.string(running)]]).status == 200)
      #expect(try await HTTP.get("\(base)/history").json == [:])
    }
  }

  @Test("interrupt: execution_interrupted goes to everyone; history records an error")
  func interrupt() async throws {
    // The prompt runs until it is interrupted, however long the interrupt takes to arrive.
    try await withMockServer(
      .init(
        nodeTime: .milliseconds(10), progressSteps: 1, statusInterval: nil,
        slowNodes: ["KSampler": .seconds(60)])
    ) { port async throws in
      let client = try await TestSocket.connect(port: port, clientID: "c")
      let bystander = try await TestSocket.connect(port: port, clientID: "b")
      let promptID = try #require(
        try await HTTP.post(
          "http://127.0.0.1:\(port)/prompt", json: ["prompt": defaultWorkflow(), "client_id": "c"]
        ).json?["prompt_id"]?.stringValue)
      #expect(await client.waitForText { $0["type"] == "executing" } != nil)
      #expect(try await HTTP.post("http://127.0.0.1:\(port)/interrupt", json: [:]).status == 200)
      #expect(await client.waitForDone(promptID: promptID))
      let interrupted = await bystander.waitForText { $0["type"] == "execution_interrupted" }
      #expect(interrupted?["data"]?["prompt_id"]?.stringValue == promptID)
      #expect(interrupted?["data"]?["node_type"] != nil)
      #expect(client.texts.contains { $0["type"] == "execution_success" } == false)
      let history = try await HTTP.get("http://127.0.0.1:\(port)/history/\(promptID)").json?[
        promptID]
      #expect(history?["status"]?["status_str"] == "error")
      #expect(history?["status"]?["completed"] == false)
    }
  }

  @Test("a scripted failing node sends execution_error and stops the prompt")
  func failingNode() async throws {
    try await withMockServer(
      .init(
        nodeTime: .milliseconds(10), progressSteps: 1, statusInterval: nil,
        failingNodes: ["VAEDecode"])
    ) { port async throws in
      let client = try await TestSocket.connect(port: port, clientID: "c")
      let promptID = try #require(
        try await HTTP.post(
          "http://127.0.0.1:\(port)/prompt", json: ["prompt": defaultWorkflow(), "client_id": "c"]
        ).json?["prompt_id"]?.stringValue)
      #expect(await client.waitForDone(promptID: promptID))
      let error = try #require(client.texts.first { $0["type"] == "execution_error" }?["data"])
      #expect(error["node_id"] == "8")
      #expect(error["node_type"] == "VAEDecode")
      #expect(error["executed"] == ["4", "5", "7", "6", "3"])
      for field in [
        "exception_message", "exception_type", "traceback", "current_inputs", "current_outputs",
        "timestamp",
      ] {
        #expect(error[field] != nil, "execution_error.\(field)")
      }
      #expect(
        client.texts.contains { $0["type"] == "executing" && $0["data"]?["node"] == "9" } == false)
    }
  }

  @Test("reconnect with the same clientId mid-prompt gets status, then the current node")
  func reconnectGetsCurrentNode() async throws {
    // The sampler keeps the prompt running while the client drops and comes back.
    try await withMockServer(
      .init(
        nodeTime: .milliseconds(10), progressSteps: 1, statusInterval: nil,
        slowNodes: ["KSampler": .seconds(3)])
    ) { port async throws in
      let first = try await TestSocket.connect(port: port, clientID: "phoenix")
      let promptID = try #require(
        try await HTTP.post(
          "http://127.0.0.1:\(port)/prompt",
          json: ["prompt": defaultWorkflow(), "client_id": "phoenix"]
        ).json?["prompt_id"]?.stringValue)
      #expect(await first.waitForText { $0["type"] == "executing" } != nil)
      await first.shutdown()
      let second = try await TestSocket.connect(port: port, clientID: "phoenix")
      try #require(await pollUntil { second.texts.count >= 2 })
      #expect(second.texts[0]["type"] == "status")
      #expect(second.texts[0]["data"]?["sid"] == "phoenix")
      #expect(second.texts[1]["type"] == "executing")
      #expect(
        second.texts[1]["data"]?["prompt_id"] == nil, "the resent executing carries only the node")
      #expect(second.texts[1]["data"]?["node"]?.stringValue != nil)
      #expect(await second.waitForDone(promptID: promptID))
    }
  }

  @Test("a stopping server accepts no connection: when its sockets get 1001 the listener is closed")
  func stoppingServerAcceptsNothing() async throws {
    let server = MockServer(
      configuration: .init(nodeTime: .milliseconds(5), progressSteps: 1, statusInterval: nil))
    let port = try await server.start()
    let socket = try await TestSocket.connect(port: port, clientID: "c")
    #expect(await socket.waitForText { $0["type"] == "status" } != nil)
    let stopping = Task { await server.stop() }
    let end = await socket.waitForEnd()
    #expect(end??.closeCode == .goingAway)
    // A client reconnecting at once must not be let in by the server that is going away.
    #expect((try? BlockingSocket.connect(port: UInt16(port))) == nil)
    await stopping.value
    await socket.shutdown()
  }

  @Test("history after a restart is empty: a restarted server forgets")
  func historyForgottenAfterRestart() async throws {
    let configuration = MockServerConfiguration(
      nodeTime: .milliseconds(5), progressSteps: 1, statusInterval: nil)
    let server = MockServer(configuration: configuration)
    let port = try await server.start()
    let promptID = try #require(
      try await HTTP.post("http://127.0.0.1:\(port)/prompt", json: ["prompt": defaultWorkflow()])
        .json?["prompt_id"]?.stringValue)
    let recorded = try await pollUntil {
      try await HTTP.get("http://127.0.0.1:\(port)/history/\(promptID)").json?[promptID] != nil
    }
    await server.stop()
    #expect(recorded)
    var again = configuration
    again.port = port
    let restarted = MockServer(configuration: again)

    let samePort = try await restarted.start()
    let history = try await HTTP.get("http://127.0.0.1:\(samePort)/history").json
    await restarted.stop()
    #expect(samePort == port)
    #expect(history == [:])
  }
}

@Suite("Scripted timings, queue order and server start")
struct ScriptedBehaviourTests {
  @Test("a slow node runs for its scripted time, the others for the node time")
  func slowNode() async throws {
    let configuration = MockServerConfiguration(
      nodeTime: .milliseconds(5), progressSteps: 0, statusInterval: nil,
      slowNodes: ["KSampler": .milliseconds(400)])
    try await withMockServer(configuration) { port async throws in
      let client = try await TestSocket.connect(port: port, clientID: "c")
      let clock = ContinuousClock()
      // Measured from before the prompt is posted: a lower bound that a loaded machine cannot break
      // (it only ever delays what the test observes).
      let posted = clock.now
      let promptID = try await SessionTests.post(port, clientID: "c")
      #expect(
        await client.waitForText { $0["type"] == "executing" && $0["data"]?["node"] == "3" } != nil)
      #expect(
        await client.waitForText { $0["type"] == "executing" && $0["data"]?["node"] == "8" } != nil)
      #expect(clock.now - posted >= .milliseconds(400), "KSampler must take its scripted 400 ms")
      #expect(await client.waitForDone(promptID: promptID))
    }
  }

  @Test("`front` puts a prompt ahead of the pending ones, with a negative number")
  func frontOfQueue() async throws {
    // The first prompt's sampler runs long enough that the two others are surely still pending
    // when the queue is read, however slow the machine.
    let configuration = MockServerConfiguration(
      nodeTime: .milliseconds(40), progressSteps: 0, statusInterval: nil,
      slowNodes: ["KSampler": .seconds(5)])
    try await withMockServer(configuration) { port async throws in
      let client = try await TestSocket.connect(port: port, clientID: "c")
      let url = "http://127.0.0.1:\(port)/prompt"
      _ = try await HTTP.post(url, json: ["prompt": defaultWorkflow(), "client_id": "c"])
      let back = try #require(
        try await HTTP.post(url, json: ["prompt": defaultWorkflow(), "client_id": "c"]).json)
      let front = try #require(
        try await HTTP.post(
          url, json: ["prompt": defaultWorkflow(), "client_id": "c", "front": true]
        ).json)
      #expect(front["number"] == -2)
      let pending = try await HTTP.get("http://127.0.0.1:\(port)/queue").json?["queue_pending"]?
        .arrayValue
      #expect(pending?.map { $0.arrayValue?[1] } == [front["prompt_id"], back["prompt_id"]])
      let backID = try #require(back["prompt_id"]?.stringValue)
      #expect(await client.waitForDone(promptID: backID, timeout: .seconds(40)))
      let starts = client.texts.filter { $0["type"] == "execution_start" }.map {
        $0["data"]?["prompt_id"]
      }
      #expect(Array(starts.suffix(2)) == [front["prompt_id"], back["prompt_id"]])
    }
  }

  @Test("starting on a port that is taken fails with an error naming the address")
  func portTaken() async throws {
    try await withMockServer { port async throws in
      let second = MockServer(configuration: .init(port: port, statusInterval: nil))
      do {
        _ = try await second.start()
        await second.stop()
        Issue.record("a second server bound the same port")
      } catch {
        #expect("\(error)".contains("127.0.0.1:\(port)"))
      }
    }
  }
}

@Suite("Graphs beyond text-to-image")
struct ImageToImageTests {
  @Test(
    "image-to-image: LoadImage of an upload → VAEEncode → KSampler → VAEDecode → PreviewImage (temp output)"
  )
  func imageToImage() async throws {
    try await withMockServer { port async throws in
      let boundary = "b0undary"
      var body = Array(
        "--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"start.png\"\r\nContent-Type: image/png\r\n\r\n"
          .utf8)
      body += [0x89, 0x50, 0x4E, 0x47] + Array("\r\n--\(boundary)--\r\n".utf8)
      let upload = try await HTTP.request(
        .POST, "http://127.0.0.1:\(port)/api/upload/image", body: body,
        headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")])
      #expect(upload.json?["name"] == "start.png")

      let graph: JSONValue = [
        "1": ["class_type": "LoadImage", "inputs": ["image": "start.png"]],
        "2": [
          "class_type": "CheckpointLoaderSimple",
          "inputs": ["ckpt_name": "v1-5-pruned-emaonly.safetensors"],
        ],
        "3": ["class_type": "VAEEncode", "inputs": ["pixels": ["1", 0], "vae": ["2", 2]]],
        "4": ["class_type": "CLIPTextEncode", "inputs": ["clip": ["2", 1], "text": "a cat"]],
        "5": [
          "class_type": "KSampler",
          "inputs": [
            "model": ["2", 0], "seed": 1, "steps": 4, "cfg": 7.5, "sampler_name": "euler",
            "scheduler": "karras",
            "positive": ["4", 0], "negative": ["4", 0], "latent_image": ["3", 0], "denoise": 0.6,
          ],
        ],
        "6": ["class_type": "VAEDecode", "inputs": ["samples": ["5", 0], "vae": ["2", 2]]],
        "7": ["class_type": "PreviewImage", "inputs": ["images": ["6", 0]]],
      ]
      let client = try await TestSocket.connect(port: port, clientID: "i2i")
      let reply = try await HTTP.post(
        "http://127.0.0.1:\(port)/api/prompt", json: ["prompt": graph, "client_id": "i2i"])
      let promptID = try #require(
        reply.json?["prompt_id"]?.stringValue, "\(reply.json?.pythonJSONText ?? "")")
      #expect(await client.waitForDone(promptID: promptID))
      let image = try #require(
        try await HTTP.get("http://127.0.0.1:\(port)/api/history/\(promptID)").json?[promptID]?[
          "outputs"]?["7"]?["images"]?
          .arrayValue?.first)
      #expect(image["type"] == "temp")
      let filename = try #require(image["filename"]?.stringValue)
      #expect(filename.hasPrefix("ComfyUI_temp_"))
      #expect(
        try await HTTP.get("http://127.0.0.1:\(port)/view?filename=\(filename)&type=temp").status
          == 200)
      #expect(
        try await HTTP.get("http://127.0.0.1:\(port)/view?filename=\(filename)&type=output").status
          == 404)

      var wrongLink = graph.orderedObject!
      wrongLink["6"] = [
        "class_type": "VAEDecode", "inputs": ["samples": ["1", 0], "vae": ["2", 2]],
      ]
      let mismatch = try await HTTP.post(
        "http://127.0.0.1:\(port)/prompt", json: ["prompt": .object(wrongLink)])
      #expect(mismatch.status == 400)
      #expect(
        mismatch.json?["node_errors"]?["6"]?["errors"]?.arrayValue?.first?["type"]
          == "return_type_mismatch")
    }
  }
}
