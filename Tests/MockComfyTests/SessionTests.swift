import ChildProcess
import FaultlineTestSupport
import Foundation
import MockComfy
import Testing

@Suite("WebSocket session rules")
struct SessionTests {
  static func post(_ port: Int, clientID: String?) async throws -> String {
    var body: JSONObject = ["prompt": defaultWorkflow()]
    if let clientID { body["client_id"] = .string(clientID) }
    let reply = try await HTTP.post("http://127.0.0.1:\(port)/prompt", json: .object(body))
    return try #require(
      reply.json?["prompt_id"]?.stringValue, "POST /prompt answered \(reply.status)")
  }

  @Test(
    "same clientId replaces the old socket; when the old one closes, the new one keeps receiving unless the #16010 quirk is on (the default, as in ComfyUI 0.3.64)",
    arguments: [false, true])
  func reconnectRace(quirk: Bool) async throws {
    var configuration = MockServerConfiguration(
      nodeTime: .milliseconds(20), progressSteps: 1, statusInterval: nil)
    // The quirk comes from the default configuration; only the fixed variant sets quirks.
    if !quirk { configuration.quirks = [] }
    try await withMockServer(configuration) { port async throws in
      let old = try await TestSocket.connect(port: port, clientID: "racer")
      let new = try await TestSocket.connect(port: port, clientID: "racer")
      let bystander = try await TestSocket.connect(port: port, clientID: "bystander")
      old.close()
      #expect(await old.waitForEnd() != nil)

      let promptID = try await Self.post(port, clientID: "racer")
      // The bystander's last broadcast for this prompt (queue back to 0) comes after everything the new
      // socket would get except the final `executing`; wait for it, then for the new socket's outcome.
      #expect(
        await bystander.waitForText {
          $0["type"] == "status" && $0["data"]?["status"]?["exec_info"]?["queue_remaining"] == 0
            && bystander.texts.count > 1
        } != nil)
      if quirk {
        #expect(!(await new.waitForDone(promptID: promptID, timeout: .milliseconds(500))))
        #expect(
          new.texts.contains { $0["type"] == "execution_success" } == false,
          "with the quirk the reconnected socket silently stops receiving")
        #expect(new.hasEnded == false, "and it is not closed either")
      } else {
        #expect(await new.waitForDone(promptID: promptID))
      }
      #expect(
        old.texts.contains { $0["type"] == "execution_start" } == false,
        "the replaced socket gets nothing")
    }
  }

  @Test("a message for a client that is not connected is dropped, not replayed on connect")
  func absentClientMessagesDropped() async throws {
    try await withMockServer { port async throws in
      _ = try await TestSocket.connect(port: port, clientID: "watcher")
      let promptID = try await Self.post(port, clientID: "ghost")
      #expect(
        try await pollUntil {
          try await HTTP.get("http://127.0.0.1:\(port)/history/\(promptID)").json?[promptID] != nil
        })
      let ghost = try await TestSocket.connect(port: port, clientID: "ghost")
      // A later broadcast proves the ghost's socket is live; anything replayed would have come before it.
      _ = try await Self.post(port, clientID: "watcher")
      #expect(await ghost.waitForText { $0["type"] == "status" && ghost.texts.count > 1 } != nil)
      #expect(ghost.texts.first?["data"]?["sid"] == "ghost")
      #expect(ghost.texts.allSatisfy { $0["type"] == "status" }, "got \(ghost.texts)")
    }
  }

  @Test("a socket without clientId gets a fresh hex sid; /api/ws works too")
  func freshSessionID() async throws {
    try await withMockServer { port async throws in
      let socket = try await TestSocket.connect(port: port, clientID: nil, path: "/api/ws")
      let sid = try #require(socket.texts.first?["data"]?["sid"]?.stringValue)
      #expect(sid.count == 32)
      #expect(sid.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }
  }

  @Test("idle clients see the periodic status broadcast")
  func periodicStatus() async throws {
    let configuration = MockServerConfiguration(statusInterval: .milliseconds(100))
    try await withMockServer(configuration) { port async throws in
      let socket = try await TestSocket.connect(port: port, clientID: "idle")
      #expect(await pollUntil { socket.texts.count >= 3 })
      #expect(
        socket.texts.dropFirst().allSatisfy {
          $0 == ["type": "status", "data": ["status": ["exec_info": ["queue_remaining": 0]]]]
        })
    }
  }

  @Test("bad command-line values are refused with a message naming them")
  func commandLineValidation() async throws {
    for (arguments, fragment) in [
      (["--quirk", "nonsense"], "nonsense"), (["--node-time", "fast"], "fast"),
      (["--slow-node", "KSampler"], "CLASS_OR_ID=DURATION"), (["--cache", "lru"], "lru"),
    ] {
      let child = try ManagedChild(
        executable: try FaultlineExecutable.url, arguments: ["mock", "--port", "0"] + arguments)
      // Completion, not just exit: the message may still be in the pipe when the exit is reaped.
      let status = await child.waitForCompletion(timeout: .seconds(20))
      if status == nil { await child.terminate(grace: .seconds(1)) }
      #expect(status != .exited(code: 0) && status != nil, "\(arguments)")
      #expect(child.standardError.contains(fragment), "stderr: \(child.standardError)")
    }
  }
}
