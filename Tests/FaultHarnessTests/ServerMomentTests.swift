import ChildProcess
import ComfyClient
import FaultHarness
import Foundation
import ProxyControl
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Crashes at a protocol moment, driven by the server's event file: the action lands at the moment
/// named, not a sleep's guess later.
@Suite struct ServerMomentTests {
  @Test func aKillWhenANodeStartsLandsBeforeTheNextNode() async throws {
    // Node 8 runs for seconds, so "before the next node" does not depend on how fast a loaded
    // machine reads the event file; the test's own bound is that slack, not 50 ms.
    let options = TestSupport.mockOptions(slowNodes: ["8": .seconds(3)])
    try await TestSupport.withServer(options) { servers, server in
      try await ComfyClient.withClient(.fastRecovery(baseURL: server.baseURL)) { client in
        try await client.connect()
        async let killed = servers.kill(
          port: server.port, at: .nodeStarts("8"), timeout: .seconds(20))
        _ = try await client.queue(try SampleWorkflows.textToImage())
        #expect(try await killed == .signaled(signal: SIGKILL))
        let nodes = serverMessages(servers.eventsPath, pid: server.pid)
          .filter { $0["type"] as? String == "executing" }.compactMap { $0["node"] as? String }
        #expect(nodes.last == "8", "\(nodes)")
        #expect(nodes.contains("3") && !nodes.contains("9"), "\(nodes)")
      }
    }
  }

  @Test func aPauseAfterTheNthMessageFreezesTheServerRightThere() async throws {
    // The harness stops the server a polling step after the server's event; its next message
    // is a status interval away, so a 1 s interval gives a starved harness that much to act in
    // (at 250 ms a loaded machine let a 5th message out). No silence deadline: status now comes
    // less often than the fast-recovery client's 1.5 s would accept.
    var options = TestSupport.mockOptions()
    options.statusInterval = .seconds(1)
    try await TestSupport.withServer(options) { servers, server in
      try await ComfyClient.withClient(
        .fastRecovery(baseURL: server.baseURL, silenceTimeout: nil)
      ) { client in
        try await client.connect()
        let before = serverMessages(servers.eventsPath, pid: server.pid).count
        // The count starts when the harness arms the moment, a little after `before` was read:
        // the server's own stamp of the 3rd message tells which messages came after it.
        let moment = try await servers.pause(
          port: server.port, at: .messages(3, clientID: nil), timeout: .seconds(20))
        try await pollUntil("the server frozen", timeout: .seconds(5)) {
          processState(server.pid) == "T"
        }
        // Frozen: two status intervals pass without a line (a stopped process writes nothing).
        try await Task.sleep(for: .milliseconds(2200))
        let sent = serverMessages(servers.eventsPath, pid: server.pid).dropFirst(before)
          .filter { !($0["to"] as? [String] ?? []).isEmpty }
        let upToTheMoment = sent.filter { ($0["time_ns"] as? Int ?? .max) <= moment }
        #expect(upToTheMoment.count >= 3, "counted from the arming, after `before`: \(sent)")
        // The stop lands a polling step after the moment, so a message the server had already
        // queued may follow within it (a status tick 17 ms after a 3rd message that was not a
        // status, in one run); what must not come is the next status interval's message.
        let late = sent.filter { ($0["time_ns"] as? Int ?? .max) > moment + 500_000_000 }
        #expect(late.isEmpty, "a message well after the 3rd: \(sent)")
        try await servers.resume(port: server.port)
        try await pollUntil("messages again after the resume", timeout: .seconds(10)) {
          serverMessages(servers.eventsPath, pid: server.pid).count > before + sent.count
        }
      }
    }
  }

  @Test func theAPIArmsAKillForTheMomentAPromptIsQueued() async throws {
    let up = try ManagedChild(
      executable: FaultlineExecutable.url,
      arguments: ["up", "--node-time", "50ms", "--status-interval", "250ms", "--exit-with-parent"])
    defer { up.signal(SIGKILL) }
    let ready = try await up.waitForReadyLine(timeout: .seconds(30))
    let api = try #require(URL(string: ready.string("api") ?? "")?.port, "\(ready.line)")
    let port = try #require(URL(string: ready.string("server") ?? "")?.port, "\(ready.line)")
    let pid = try #require(ready.integer("server_pid"))

    let bad = try await HTTPProbe.request(
      "POST", "/faultline/servers/\(port)/kill", port: api, json: #"{"when": {"noed": "3"}}"#)
    #expect(bad.status == 400, "\(String(decoding: bad.body, as: UTF8.self))")
    let armed = try await HTTPProbe.request(
      "POST", "/faultline/servers/\(port)/kill", port: api, json: #"{"when": {"queued": true}}"#)
    #expect(armed.status == 202, "\(String(decoding: armed.body, as: UTF8.self))")
    let answer = armed.object?["armed"] as? [String: Any]
    #expect(answer?["action"] as? String == "kill")
    #expect(answer?["when"] as? String == "while a prompt is queued")
    #expect(isAlive(pid), "armed, not done yet")

    // The kill comes the moment the server has accepted the prompt, often before its answer is
    // on the wire: the client may get no answer at all, as from a real crash at that moment.
    _ = try? await HTTPProbe.request(
      "POST", "/prompt", port: port,
      json: "{\"prompt\": \(SampleWorkflows.textToImageJSON()), \"client_id\": \"moment-test\"}")
    try await pollUntil("the server killed", timeout: .seconds(10)) { !isAlive(pid) }
    // The API forgets the server once the armed kill has reaped it, a moment after it died.
    try await pollUntil("the killed server gone from the API", timeout: .seconds(10)) {
      try await HTTPProbe.request("GET", "/faultline/servers/\(port)", port: api).status == 404
    }
    up.signal(SIGTERM)
    #expect(await up.waitForExit(timeout: .seconds(15)) == .exited(code: 0))
  }
}

/// The `message` lines of the server with `pid` in a mock event file, in order.
func serverMessages(_ path: String, pid: Int32) -> [[String: Any]] {
  guard let data = FileManager.default.contents(atPath: path) else { return [] }
  return data.split(separator: UInt8(ascii: "\n")).compactMap { line in
    guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any],
      object["event"] as? String == "message", object["pid"] as? Int == Int(pid)
    else { return nil }
    return object
  }
}
