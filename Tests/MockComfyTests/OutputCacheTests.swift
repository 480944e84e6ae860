import Foundation
import MockComfy
import Testing

/// The classic output cache, seen by a client: what a prompt that repeats parts of the previous one
/// sends and records.
@Suite("Output cache between prompts")
struct OutputCacheTests {
  /// Runs one prompt for `client` and returns the text messages that carry its id.
  private static func run(
    _ workflow: JSONValue, on port: Int, for client: TestSocket
  ) async throws -> (id: String, messages: [JSONValue]) {
    let promptID = UUID().uuidString.lowercased()
    _ = try await HTTP.post(
      "http://127.0.0.1:\(port)/prompt",
      json: ["prompt": workflow, "client_id": "c", "prompt_id": .string(promptID)])
    try #require(await client.waitForDone(promptID: promptID))
    let messages = client.texts.filter { $0["data"]?["prompt_id"]?.stringValue == promptID }
    return (promptID, messages)
  }

  private static func cachedNodes(_ messages: [JSONValue]) -> [String]? {
    messages.first { $0["type"] == "execution_cached" }?["data"]?["nodes"]?.arrayValue?
      .compactMap(\.stringValue)
  }

  private static func executingNodes(_ messages: [JSONValue]) -> [String] {
    messages.filter { $0["type"] == "executing" }.compactMap { $0["data"]?["node"]?.stringValue }
  }

  private static let fast = MockServerConfiguration(
    nodeTime: .milliseconds(10), progressSteps: 2, statusInterval: nil)

  @Test(
    "an identical prompt runs nothing: every node is cached and the output node replays its images")
  func identicalPrompt() async throws {
    try await withMockServer(Self.fast) { port async throws in
      let client = try await TestSocket.connect(port: port, clientID: "c")
      let first = try await Self.run(defaultWorkflow(), on: port, for: client)
      #expect(Self.cachedNodes(first.messages) == [])
      let framesAfterFirst = client.binaries.count

      let second = try await Self.run(defaultWorkflow(), on: port, for: client)
      #expect(Self.cachedNodes(second.messages) == ["3", "4", "5", "6", "7", "8", "9"])
      #expect(Self.executingNodes(second.messages).isEmpty, "a cached node does not run")
      #expect(!second.messages.contains { $0["type"] == "progress" })
      #expect(client.binaries.count == framesAfterFirst, "no preview from the cache")
      #expect(second.messages.contains { $0["type"] == "execution_success" })
      let firstImages = first.messages.first { $0["type"] == "executed" }?["data"]?["output"]
      let replayed = second.messages.filter { $0["type"] == "executed" }
      #expect(replayed.count == 1)
      #expect(replayed.first?["data"]?["node"] == "9")
      #expect(replayed.first?["data"]?["output"] == firstImages)
      let history = try await HTTP.get("http://127.0.0.1:\(port)/history/\(second.id)").json
      #expect(history?[second.id]?["outputs"]?["9"] == firstImages)
      #expect(history?[second.id]?["status"]?["status_str"] == "success")
    }
  }

  @Test("POST /free with free_memory empties the cache: the identical prompt runs every node again")
  func freeMemoryEmptiesTheCache() async throws {
    try await withMockServer(Self.fast) { port async throws in
      let client = try await TestSocket.connect(port: port, clientID: "c")
      let first = try await Self.run(defaultWorkflow(), on: port, for: client)
      let ran = Self.executingNodes(first.messages)
      #expect(ran.count == 7)
      let unload = try await HTTP.post(
        "http://127.0.0.1:\(port)/free", json: ["unload_models": true])
      #expect(unload.status == 200)
      let kept = try await Self.run(defaultWorkflow(), on: port, for: client)
      #expect(Self.executingNodes(kept.messages).isEmpty, "unload_models alone keeps the cache")
      let free = try await HTTP.post(
        "http://127.0.0.1:\(port)/free", json: ["unload_models": true, "free_memory": true])
      #expect(free.status == 200)
      let again = try await Self.run(defaultWorkflow(), on: port, for: client)
      #expect(Self.cachedNodes(again.messages) == [])
      #expect(Self.executingNodes(again.messages) == ran)
    }
  }

  @Test("POST /free with a body that is not a JSON object fails as aiohttp's handler does: 500")
  func freeWithBadBody() async throws {
    try await withMockServer(Self.fast) { port async throws in
      for body in ["", "not json", "[]", "7"] {
        let reply = try await HTTP.post("http://127.0.0.1:\(port)/free", raw: body)
        #expect(reply.status == 500, "body \(body.debugDescription)")
      }
    }
  }

  @Test(
    "a new seed reruns the sampler and what follows it; the unchanged nodes come from the cache")
  func changedSeed() async throws {
    try await withMockServer(Self.fast) { port async throws in
      let client = try await TestSocket.connect(port: port, clientID: "c")
      let first = try await Self.run(defaultWorkflow(seed: 1), on: port, for: client)
      #expect(Self.executingNodes(first.messages) == ["4", "5", "7", "6", "3", "8", "9"])
      let second = try await Self.run(defaultWorkflow(seed: 2), on: port, for: client)
      #expect(Self.cachedNodes(second.messages) == ["4", "5", "6", "7"])
      #expect(Self.executingNodes(second.messages) == ["3", "8", "9"])
      #expect(
        second.messages.first { $0["type"] == "executed" }?["data"]?["output"]
          != first.messages.first { $0["type"] == "executed" }?["data"]?["output"],
        "a rerun output node saves new images")
    }
  }

  @Test("only the latest prompt's nodes stay cached, as in the real server's classic cache")
  func latestPromptOnly() async throws {
    try await withMockServer(Self.fast) { port async throws in
      let client = try await TestSocket.connect(port: port, clientID: "c")
      _ = try await Self.run(defaultWorkflow(seed: 1), on: port, for: client)
      _ = try await Self.run(defaultWorkflow(seed: 2), on: port, for: client)
      let third = try await Self.run(defaultWorkflow(seed: 1), on: port, for: client)
      #expect(Self.cachedNodes(third.messages) == ["4", "5", "6", "7"])
      #expect(Self.executingNodes(third.messages) == ["3", "8", "9"])
    }
  }

  @Test("a node that failed is not cached: the same prompt fails again at the same node")
  func failureIsNotCached() async throws {
    var configuration = Self.fast
    configuration.failingNodes = ["VAEDecode"]
    try await withMockServer(configuration) { port async throws in
      let client = try await TestSocket.connect(port: port, clientID: "c")
      _ = try await Self.run(defaultWorkflow(), on: port, for: client)
      let again = try await Self.run(defaultWorkflow(), on: port, for: client)
      #expect(Self.cachedNodes(again.messages) == ["3", "4", "5", "6", "7"])
      #expect(Self.executingNodes(again.messages) == ["8"])
      #expect(
        again.messages.first { $0["type"] == "execution_error" }?["data"]?["node_id"] == "8")
    }
  }

  @Test("with the cache off every node runs every time")
  func cacheOff() async throws {
    var configuration = Self.fast
    configuration.cache = .none
    try await withMockServer(configuration) { port async throws in
      let client = try await TestSocket.connect(port: port, clientID: "c")
      _ = try await Self.run(defaultWorkflow(), on: port, for: client)
      let again = try await Self.run(defaultWorkflow(), on: port, for: client)
      #expect(Self.cachedNodes(again.messages) == [])
      #expect(Self.executingNodes(again.messages) == ["4", "5", "7", "6", "3", "8", "9"])
    }
  }
}
