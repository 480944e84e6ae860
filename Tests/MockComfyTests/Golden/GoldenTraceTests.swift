import FaultlineTestSupport
import Foundation
import MockComfy
import Testing

/// Each scenario recorded from the real ComfyUI 0.3.64 (see `scripts/derive-mock-fixtures`), played
/// against the mock on real sockets and compared in normalised form: message order and payload keys,
/// progress states, status codes, error types and texts, history entries.
/// Differences that remain are listed in docs/mock-fidelity.md.
@Suite struct GoldenTraceTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/golden")

  static let scenarios: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
  }()

  static func fixture(_ name: String) throws -> JSONValue {
    let data = try Data(contentsOf: folder.appendingPathComponent(name + ".json"))
    return try JSONValue.parse(Array(data))
  }

  static let configuration = MockServerConfiguration(nodeTime: .milliseconds(5), progressSteps: 2)

  @Test func everyReferenceScenarioHasAFixture() {
    #expect(Self.scenarios.count == 26)
  }

  @Test(arguments: scenarios)
  func scenario(_ name: String) async throws {
    let fixture = try Self.fixture(name)
    if fixture["bodies"] != nil {
      try await playBodies(fixture)
    } else if fixture["endpoints"] != nil {
      try await playEndpoints(fixture)
    } else if fixture["request"] != nil {
      try await playPrompt(fixture)
    } else {
      try await playConnect(fixture)
    }
  }

  private func expectSame(
    _ actual: JSONValue?, _ expected: JSONValue?, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let actualText = actual.map { GoldenNormalizer.canonical($0).pythonJSONText } ?? "nil"
    let expectedText = expected.map { GoldenNormalizer.canonical($0).pythonJSONText } ?? "nil"
    #expect(actualText == expectedText, "\(what)", sourceLocation: sourceLocation)
  }

  /// Posts a prompt and waits until its history entry exists.
  private func runToHistory(_ body: JSONValue, port: Int) async throws {
    let reply = try await HTTP.post("http://127.0.0.1:\(port)/prompt", json: body)
    let id = try #require(reply.json?["prompt_id"]?.stringValue)
    let done = await pollUntil {
      let history = try? await HTTP.get("http://127.0.0.1:\(port)/history/\(id)")
      return history?.json?.orderedObject?.isEmpty == false
    }
    #expect(done, "the earlier prompt of the scenario finished")
  }

  private func playPrompt(_ fixture: JSONValue) async throws {
    try await withMockServer(Self.configuration) { port in
      let flags = fixture["sends_feature_flags"]?.boolValue ?? false
      let socket = try await TestSocket.connect(
        port: port, clientID: fixture["client_id"]?.stringValue, featureFlags: flags)
      if flags {
        _ = await socket.waitForText { $0["type"] == "feature_flags" }
      }
      // The greeting (and the feature_flags answer) open the recorded sequence; the messages of the
      // prompts that set the cache up come between and are left out, as they were not in the trace.
      let opening = socket.messages.count
      for before in fixture["before"]?.arrayValue ?? [] {
        let reply = try await HTTP.post("http://127.0.0.1:\(port)/prompt", json: before)
        let id = try #require(reply.json?["prompt_id"]?.stringValue)
        #expect(
          await socket.waitForDone(promptID: id), "the earlier prompt of the scenario finished")
      }
      let skipped = socket.messages.count - opening
      let request = try #require(fixture["request"])
      let reply = try await HTTP.post("http://127.0.0.1:\(port)/prompt", json: request)
      #expect(reply.status == fixture["status"]?.intValue)
      expectSame(reply.json.map(GoldenNormalizer.response), fixture["response"], "the answer")
      if reply.status == 200, let id = reply.json?["prompt_id"]?.stringValue {
        #expect(await socket.waitForDone(promptID: id))
        let history = try await HTTP.get("http://127.0.0.1:\(port)/history/\(id)")
        expectSame(history.json.map(GoldenNormalizer.history), fixture["history"], "history entry")
      } else {
        // A refused prompt changes no queue: a later request's answer finds nothing else sent.
        _ = try await HTTP.get("http://127.0.0.1:\(port)/prompt")
      }
      let expected = (fixture["messages"]?.arrayValue ?? []).filter {
        $0["type"] != nil || $0["binary"] != nil
      }
      var seen = socket.messages
      seen.removeSubrange(opening..<opening + skipped)
      expectSame(.array(seen.map(GoldenNormalizer.message)), .array(expected), "messages")
    }
  }

  private func playConnect(_ fixture: JSONValue) async throws {
    try await withMockServer(Self.configuration) { port in
      let clientID = fixture["client_id"]?.stringValue
      let flags = fixture["sends_feature_flags"]?.boolValue ?? false
      let socket = try await TestSocket.connect(port: port, clientID: clientID, featureFlags: flags)
      if flags { _ = await socket.waitForText { $0["type"] == "feature_flags" } }
      let expected = (fixture["messages"]?.arrayValue ?? []).filter { $0["type"] != nil }
      expectSame(
        .array(socket.messages.map(GoldenNormalizer.message)), .array(expected), "messages")
      let sid = socket.texts.first?["data"]?["sid"]?.stringValue ?? ""
      if let clientID {
        #expect(sid == clientID)
      } else {
        // The real server makes a uuid4 in hex: 32 lowercase hex digits.
        #expect(sid.count == 32 && sid.allSatisfy { $0.isHexDigit && !$0.isUppercase })
      }
    }
  }

  private func playBodies(_ fixture: JSONValue) async throws {
    try await withMockServer(Self.configuration) { port in
      for (name, expected) in fixture["bodies"]?.orderedObject?.members ?? [] {
        let request = expected["request"] ?? .null
        let reply =
          if case .string(let raw) = request {
            try await HTTP.post("http://127.0.0.1:\(port)/prompt", raw: raw)
          } else {
            try await HTTP.post("http://127.0.0.1:\(port)/prompt", json: request)
          }
        #expect(reply.status == expected["status"]?.intValue, "\(name)")
        #expect(reply.header("Content-Type") == expected["content_type"]?.stringValue, "\(name)")
        let actual: JSONValue =
          reply.json.map(GoldenNormalizer.response)
          ?? .string(String(decoding: reply.body, as: UTF8.self))
        expectSame(actual, expected["response"], name)
      }
    }
  }

  private func playEndpoints(_ fixture: JSONValue) async throws {
    try await withMockServer(Self.configuration) { port in
      let endpoints = fixture["endpoints"]?.orderedObject?.members ?? []
      if endpoints.contains(where: { $0.key.hasPrefix("/view?filename=ref_invert") }) {
        // The files and history the real server had after the runs: scenario 02's prompt.
        try await runToHistory(try Self.fixture("02_save_first_run")["request"] ?? [:], port: port)
      }
      for (path, expected) in endpoints {
        let reply = try await HTTP.get("http://127.0.0.1:\(port)\(path)")
        #expect(reply.status == expected["status"]?.intValue, "\(path)")
        #expect(reply.header("Content-Type") == expected["content_type"]?.stringValue, "\(path)")
        if let positive = expected["length_positive"]?.boolValue {
          #expect(!reply.body.isEmpty == positive, "\(path)")
        }
        // History is keyed by prompt ids; its entries' shape is compared in the prompt scenarios.
        if let shape = expected["shape"], !path.hasPrefix("/history"), path != "/extensions" {
          expectSame(reply.json.map(GoldenNormalizer.shape), shape, path)
        }
      }
      for (name, entry) in fixture["object_info_entries"]?.orderedObject?.members ?? [] {
        let reply = try await HTTP.get("http://127.0.0.1:\(port)/object_info/\(name)")
        expectSame(reply.json, entry, "/object_info/\(name)")
      }
    }
  }
}
