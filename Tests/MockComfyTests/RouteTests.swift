import Foundation
import MockComfy
import Testing

@Suite("HTTP routes and error shapes")
struct RouteTests {
  @Test("every route answers at the root and under /api", arguments: ["", "/api"])
  func routesUnderBothPrefixes(prefix: String) async throws {
    try await withMockServer { port async throws in
      let base = "http://127.0.0.1:\(port)\(prefix)"
      #expect(try await HTTP.get("\(base)/prompt").json == ["exec_info": ["queue_remaining": 0]])
      #expect(
        try await HTTP.get("\(base)/queue").json == ["queue_running": [], "queue_pending": []])
      #expect(try await HTTP.get("\(base)/history").json == [:])
      #expect(try await HTTP.get("\(base)/history/unknown-id").json == [:])
      let stats = try #require(try await HTTP.get("\(base)/system_stats").json)
      for key in [
        "os", "ram_total", "ram_free", "comfyui_version", "python_version", "pytorch_version",
        "embedded_python", "argv",
      ] {
        #expect(stats["system"]?[key] != nil, "system_stats.system.\(key)")
      }
      #expect(stats["devices"]?.arrayValue?.first?["vram_total"] != nil)
      #expect(try await HTTP.get("\(base)/embeddings").json == [])
      #expect(try await HTTP.get("\(base)/extensions").json == [])
      let features = try #require(try await HTTP.get("\(base)/features").json)
      #expect(features["supports_preview_metadata"] == true)
      #expect(features["max_upload_size"]?.intValue == 100 * 1024 * 1024)
      #expect(try await HTTP.post("\(base)/free", json: ["unload_models": true]).status == 200)
      #expect(try await HTTP.post("\(base)/interrupt", json: [:]).status == 200)
      #expect(try await HTTP.get("\(base)/no-such-route").status == 404)
    }
  }

  @Test(
    "object_info describes the default workflow's node classes with their real inputs and outputs")
  func objectInfo() async throws {
    try await withMockServer { port async throws in
      let all = try #require(try await HTTP.get("http://127.0.0.1:\(port)/object_info").json)
      let expectedOutputs: [String: [JSONValue]] = [
        "CheckpointLoaderSimple": ["MODEL", "CLIP", "VAE"], "CLIPTextEncode": ["CONDITIONING"],
        "EmptyLatentImage": ["LATENT"], "KSampler": ["LATENT"], "VAEDecode": ["IMAGE"],
        "VAEEncode": ["LATENT"],
        "SaveImage": [], "PreviewImage": [], "LoadImage": ["IMAGE", "MASK"],
      ]
      for (name, outputs) in expectedOutputs {
        let info = try #require(all[name], "object_info lacks \(name)")
        #expect(info["output"] == .array(outputs), "\(name).output")
        #expect(info["name"] == .string(name))
        for field in [
          "input", "input_order", "output_is_list", "output_name", "display_name", "description",
          "python_module", "category", "output_node",
        ] {
          #expect(info[field] != nil, "\(name).\(field)")
        }
      }
      #expect(all["SaveImage"]?["output_node"] == true)
      #expect(
        all["KSampler"]?["input_order"]?["required"] == [
          "model", "seed", "steps", "cfg", "sampler_name", "scheduler", "positive", "negative",
          "latent_image", "denoise",
        ])
      let one = try await HTTP.get("http://127.0.0.1:\(port)/api/object_info/KSampler").json
      #expect(one?.orderedObject?.keys == ["KSampler"])
      #expect(try await HTTP.get("http://127.0.0.1:\(port)/object_info/NoSuchNode").json == [:])
    }
  }

  @Test("POST /prompt validation answers 400 with the real error shapes")
  func promptValidation() async throws {
    try await withMockServer { port async throws in
      let url = "http://127.0.0.1:\(port)/prompt"
      let noPrompt = try await HTTP.post(url, json: ["client_id": "x"])
      #expect(noPrompt.status == 400)
      #expect(
        noPrompt.json == [
          "error": [
            "type": "no_prompt", "message": "No prompt provided", "details": "No prompt provided",
            "extra_info": [:],
          ],
          "node_errors": [:],
        ])

      let noOutputs = try await HTTP.post(
        url,
        json: [
          "prompt": [
            "5": [
              "class_type": "EmptyLatentImage",
              "inputs": ["width": 64, "height": 64, "batch_size": 1],
            ]
          ]
        ])
      #expect(noOutputs.status == 400)
      #expect(noOutputs.json?["error"]?["type"] == "prompt_no_outputs")

      var unknown = defaultWorkflow().orderedObject!
      unknown["10"] = ["class_type": "NoSuchNode", "inputs": [:]]
      let unknownReply = try await HTTP.post(url, json: ["prompt": .object(unknown)])
      #expect(unknownReply.status == 400)
      // ComfyUI 0.3.64's own words (trace 10), not the later missing_node_type.
      #expect(unknownReply.json?["error"]?["type"] == "invalid_prompt")
      #expect(
        unknownReply.json?["error"]?["message"]
          == "Cannot execute because node NoSuchNode does not exist.")
      #expect(unknownReply.json?["error"]?["details"] == "Node ID '#10'")

      var missingInput = defaultWorkflow().orderedObject!
      missingInput["8"] = ["class_type": "VAEDecode", "inputs": ["vae": ["4", 2]]]
      let failed = try await HTTP.post(url, json: ["prompt": .object(missingInput)])
      #expect(failed.status == 400)
      #expect(failed.json?["error"]?["type"] == "prompt_outputs_failed_validation")
      let nodeError = try #require(failed.json?["node_errors"]?["8"])
      #expect(nodeError["class_type"] == "VAEDecode")
      #expect(nodeError["dependent_outputs"] == ["9"])
      #expect(nodeError["errors"]?.arrayValue?.first?["type"] == "required_input_missing")
      #expect(nodeError["errors"]?.arrayValue?.first?["extra_info"]?["input_name"] == "samples")

      var badSampler = defaultWorkflow().orderedObject!
      badSampler["3"] = .object(
        {
          var node = badSampler["3"]!.orderedObject!
          var inputs = node["inputs"]!.orderedObject!
          inputs["sampler_name"] = "no_such_sampler"
          node["inputs"] = .object(inputs)
          return node
        }())
      let notInList = try await HTTP.post(url, json: ["prompt": .object(badSampler)])
      #expect(
        notInList.json?["node_errors"]?["3"]?["errors"]?.arrayValue?.first?["type"]
          == "value_not_in_list")

      // aiohttp answers a handler that raised (request.json() did): 500 with a text body.
      let notJSON = try await HTTP.post(url, raw: "{\"prompt\": ")
      #expect(notJSON.status == 500)
      #expect(notJSON.header("Content-Type") == "text/plain; charset=utf-8")
      #expect(
        try await HTTP.get("http://127.0.0.1:\(port)/prompt").json == [
          "exec_info": ["queue_remaining": 0]
        ])
    }
  }

  @Test("a browser Origin naming another host gets 403, a matching one passes")
  func originCheck() async throws {
    try await withMockServer { port async throws in
      let url = "http://127.0.0.1:\(port)/prompt"
      #expect(try await HTTP.get(url, headers: [("Origin", "http://evil.example")]).status == 403)
      #expect(
        try await HTTP.get(url, headers: [("Origin", "http://127.0.0.1:\(port)")]).status == 200)
    }
  }

  @Test(
    "what the real handlers refuse: a non-integer max_items or offset on /history gets 500, a plain GET of /ws aiohttp's 400",
    arguments: ["", "/api"])
  func refusedRequests(prefix: String) async throws {
    try await withMockServer { port async throws in
      let base = "http://127.0.0.1:\(port)\(prefix)"
      for query in ["max_items=x", "offset=x", "max_items=1&offset=1.5"] {
        let reply = try await HTTP.get("\(base)/history?\(query)")
        #expect(reply.status == 500, "\(query)")
        #expect(reply.header("Content-Type") == "text/plain; charset=utf-8", "\(query)")
      }
      #expect(try await HTTP.get("\(base)/history?max_items=%201%20&offset=-1").status == 200)
      let plain = try await HTTP.get("\(base)/ws")
      #expect(plain.status == 400)
      #expect(
        String(decoding: plain.body, as: UTF8.self)
          == "No WebSocket UPGRADE hdr: None\n Can \"Upgrade\" only to \"WebSocket\".")
      // A real upgrade still opens a session.
      let socket = try await TestSocket.connect(port: port, clientID: "c", featureFlags: false)
      #expect(await socket.waitForText { $0["type"] == "status" } != nil)
    }
  }

  @Test(
    "any prompt_id is taken as Python's str() of it, as 0.3.64 does (the UUID check came later)")
  func givenPromptID() async throws {
    try await withMockServer { port async throws in
      let url = "http://127.0.0.1:\(port)/prompt"
      let textID = try await HTTP.post(
        url, json: ["prompt": defaultWorkflow(), "prompt_id": "not-a-uuid"])
      #expect(textID.status == 200)
      #expect(textID.json?["prompt_id"] == "not-a-uuid")
      let numberID = try await HTTP.post(url, json: ["prompt": defaultWorkflow(), "prompt_id": 5])
      #expect(numberID.json?["prompt_id"] == "5")
      let nullID = try await HTTP.post(
        url, json: ["prompt": defaultWorkflow(), "prompt_id": .null])
      #expect(nullID.json?["prompt_id"] == "None")
    }
  }

  @Test("/view path safety: 400 for bad names, 403 for escaping subfolders, 404 for missing files")
  func viewPathSafety() async throws {
    try await withMockServer { port async throws in
      let base = "http://127.0.0.1:\(port)/view"
      #expect(try await HTTP.get("\(base)?filename=").status == 400)
      #expect(try await HTTP.get("\(base)?filename=/etc/passwd").status == 400)
      #expect(try await HTTP.get("\(base)?filename=..%2Fsecret.png").status == 400)
      #expect(try await HTTP.get("\(base)?filename=a.png&type=nonsense").status == 400)
      #expect(try await HTTP.get("\(base)?filename=a.png&subfolder=..%2F..").status == 403)
      #expect(try await HTTP.get("\(base)?filename=a.png&subfolder=%2Fetc").status == 403)
      #expect(try await HTTP.get("\(base)?filename=missing.png").status == 404)
      #expect(try await HTTP.get(base).status == 404)
    }
  }

  @Test(
    "upload stores the image, renames a clash, refuses escapes and missing files; /view serves it back"
  )
  func upload() async throws {
    try await withMockServer { port async throws in
      let url = "http://127.0.0.1:\(port)/upload/image"
      let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]
      func form(_ fields: [(String, String)], file: (String, [UInt8])?) -> ([UInt8], String) {
        let boundary = "faultline-boundary"
        var body: [UInt8] = []
        for (name, value) in fields {
          body += Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
              .utf8)
        }
        if let (filename, bytes) = file {
          body += Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"\(filename)\"\r\nContent-Type: image/png\r\n\r\n"
              .utf8)
          body += bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
      }
      func send(_ fields: [(String, String)], file: (String, [UInt8])?) async throws -> HTTPReply {
        let (body, type) = form(fields, file: file)
        return try await HTTP.request(.POST, url, body: body, headers: [("Content-Type", type)])
      }
      let first = try await send([("type", "input")], file: ("photo.png", png))
      #expect(first.json == ["name": "photo.png", "subfolder": "", "type": "input"])
      let same = try await send([], file: ("photo.png", png))
      #expect(same.json?["name"] == "photo.png", "identical content keeps the name")
      let clash = try await send([], file: ("photo.png", png + [9]))
      #expect(clash.json?["name"] == "photo (1).png")
      #expect(try await send([("subfolder", "../..")], file: ("x.png", png)).status == 400)
      #expect(try await send([("type", "input")], file: nil).status == 400)
      let served = try await HTTP.get("http://127.0.0.1:\(port)/view?filename=photo.png&type=input")
      #expect(served.status == 200)
      #expect(served.body == png)
      let info = try await HTTP.get("http://127.0.0.1:\(port)/object_info/LoadImage").json
      #expect(
        info?["LoadImage"]?["input"]?["required"]?["image"]?.arrayValue?.first == [
          "photo (1).png", "photo.png",
        ])
    }
  }
}
