import ChildProcess
import ComfyClient
import FaultHarness
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The harness's subcommands as a user runs them: real `faultline` processes.
@Suite struct CommandTests {
  @Test func upPrintsItsURLsServesThroughTheProxyAndTakesTheServerDownWhenKilled() async throws {
    // A SIGKILLed `up` cannot remove its server's files: they go into a directory of ours.
    let directory = try ScratchDirectory.create(prefix: "faultline-up-test")
    defer { try? FileManager.default.removeItem(at: directory) }
    let up = try ManagedChild(
      executable: FaultlineExecutable.url,
      arguments: [
        "up", "--node-time", "50ms", "--status-interval", "250ms", "--exit-with-parent",
        "--output-directory", directory.path,
      ])
    defer { up.signal(SIGKILL) }
    let ready = try await up.waitForReadyLine(timeout: .seconds(30))
    let proxy = try #require(ready.string("proxy").flatMap(URL.init(string:)), "\(ready.line)")
    let server = try #require(ready.string("server").flatMap(URL.init(string:)), "\(ready.line)")
    let api = try #require(ready.string("api").flatMap(URL.init(string:)), "\(ready.line)")
    #expect(proxy.port != server.port)
    let serverPID = try #require(ready.integer("server_pid"), "\(ready.line)")

    // A client in another language changes the faults through the control API at run time.
    let apiPort = try #require(api.port)
    let listed = try await HTTPProbe.request("GET", "/proxies", port: apiPort)
    #expect(listed.object?["comfy"] != nil, "\(String(decoding: listed.body, as: UTF8.self))")
    let added = try await HTTPProbe.request(
      "POST", "/proxies/comfy/toxics", port: apiPort,
      json: #"{"type": "latency", "stream": "downstream", "attributes": {"latency": 200}}"#)
    #expect(added.status == 200, "\(String(decoding: added.body, as: UTF8.self))")
    let start = ContinuousClock.now
    let answer = try await HTTPProbe.request("GET", "/prompt", port: try #require(proxy.port))
    #expect(answer.status == 200)
    #expect(ContinuousClock.now - start >= .milliseconds(200), "the API's latency is in effect")
    let removed = try await HTTPProbe.request(
      "DELETE", "/proxies/comfy/toxics/latency_downstream", port: apiPort)
    #expect(removed.status == 204, "\(removed.status)")

    try await ComfyClient.withClient(.fastRecovery(baseURL: proxy)) { client in
      try await client.connect()
      let job = try await client.queue(try SampleWorkflows.textToImage())
      let result = try await withDeadline(.seconds(15)) { try await job.result() }
      #expect(!(result.outputs[SampleWorkflows.outputNode] ?? []).isEmpty)
    }

    // However `up` ends, its server must end too: SIGKILL leaves it no chance to clean up.
    up.signal(SIGKILL)
    #expect(await up.waitForExit(timeout: .seconds(10)) == .signaled(signal: SIGKILL))
    // The server notices at once (its stdin pipe closes), but its goodbye line to a stderr
    // nobody reads any more makes it trap, and the Swift backtracer can take seconds on a loaded
    // machine before the process is gone: hence the long deadline.
    try await pollUntil("the server of a killed `up` to exit", timeout: .seconds(30)) {
      !isAlive(serverPID)
    }
  }

  @Test func upStopsCleanlyOnSIGTERMAndRejectsABadProfile() async throws {
    let up = try ManagedChild(
      executable: FaultlineExecutable.url, arguments: ["up", "--exit-with-parent"])
    defer { up.signal(SIGKILL) }
    let ready = try await up.waitForReadyLine(timeout: .seconds(30))
    let serverPID = try #require(ready.integer("server_pid"), "\(ready.line)")
    up.signal(SIGTERM)
    #expect(await up.waitForExit(timeout: .seconds(10)) == .exited(code: 0))
    try await pollUntil("the server of a stopped `up` to exit", timeout: .seconds(5)) {
      !isAlive(serverPID)
    }

    let bad = try ManagedChild(
      executable: FaultlineExecutable.url, arguments: ["up", "--profile", "/nonexistent.yaml"])
    defer { bad.signal(SIGKILL) }
    let status = await bad.waitForExit(timeout: .seconds(30))
    #expect(status != nil && status != .exited(code: 0))
    // The exit can be seen before the last output is read from the pipe.
    try await pollUntil("the error naming the file", lastSeen: { bad.standardError }) {
      bad.standardError.contains("/nonexistent.yaml")
    }
  }

  @Test func validatePassesEveryStepOnAWorkingSetUp() async throws {
    let validate = try ManagedChild(
      executable: FaultlineExecutable.url, arguments: ["validate"])
    defer { validate.signal(SIGKILL) }
    let status = await validate.waitForExit(timeout: .seconds(60))
    // The exit can be seen before the last output is read from the pipe.
    _ = await validate.waitForStandardOutput(containing: " steps ", timeout: .seconds(5))
    let output = validate.standardOutput
    #expect(status == .exited(code: 0), "\(output)\n\(validate.standardError)")
    let lines = output.split(separator: "\n")
    #expect(lines.filter { $0.hasPrefix("[PASS]") }.count >= 8, "\(output)")
    #expect(!lines.contains { $0.hasPrefix("[FAIL]") }, "\(output)")
    for step in ["HTTP route", "WebSocket", "restarts", "reconnects through the proxy", "clean-up"]
    {
      #expect(output.contains(step), "no step about \(step):\n\(output)")
    }
  }

  @Test func compareReportsEachScenarioRecovered() async throws {
    let directory = try ScratchDirectory.create(prefix: "faultline-compare-test")
    defer { try? FileManager.default.removeItem(at: directory) }
    let jsonPath = directory.appendingPathComponent("report.json").path
    let compare = try ManagedChild(
      executable: FaultlineExecutable.url,
      arguments: [
        "compare", "--repeat", "1", "--scenarios", "sigkill,half-open", "--json", jsonPath,
        "--out", directory.appendingPathComponent("out").path, "--exit-with-parent",
      ])
    defer { compare.signal(SIGKILL) }
    let status = await compare.waitForExit(timeout: .seconds(60))
    #expect(status == .exited(code: 0), "\(compare.standardOutput)\n\(compare.standardError)")

    let report = try JSONDecoder().decode(
      RecoveryReport.self, from: Data(contentsOf: URL(fileURLWithPath: jsonPath)))
    #expect(report.scenarios.map(\.scenario) == ["sigkill", "half-open"])
    #expect(report.measurements.count == 2)
    for measurement in report.measurements {
      #expect(measurement.recovered, "\(measurement)")
      #expect(measurement.error == nil, "\(measurement)")
      #expect(measurement.promptAfterRecovery, "\(measurement)")
      let noticed = try #require(measurement.noticedAfter, "\(measurement)")
      let reconnected = try #require(measurement.reconnectedAfter, "\(measurement)")
      let outage = try #require(measurement.outage, "\(measurement)")
      #expect(noticed < reconnected && reconnected <= outage, "\(measurement)")
    }
    let sigkill = try #require(report.measurements.first { $0.scenario == "sigkill" })
    #expect(sigkill.category == .processCrash)
    #expect(sigkill.inFlightPrompt == "lost", "a new process does not know the old prompt")
    let halfOpen = try #require(report.measurements.first { $0.scenario == "half-open" })
    #expect(halfOpen.category == .network)
    #expect(halfOpen.statusBroadcastsMissed > 0, "2 s of silence at a 250 ms interval")
    // --out: the same JSON, and the HTML charts drawn from the client's own events.
    let out = directory.appendingPathComponent("out")
    #expect(
      try Data(contentsOf: out.appendingPathComponent("report.json"))
        == Data(contentsOf: URL(fileURLWithPath: jsonPath)))
    let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
    #expect(html.contains("data-scenario=\"sigkill\"") && html.contains("reference client"))
    _ = await compare.waitForStandardOutput(containing: "network failures:", timeout: .seconds(5))
    let table = compare.standardOutput
    #expect(table.contains("PROCESS FAILURES") && table.contains("NETWORK FAILURES"), "\(table)")
  }

  @Test func compareRejectsAnUnknownScenario() async throws {
    let compare = try ManagedChild(
      executable: FaultlineExecutable.url, arguments: ["compare", "--scenarios", "sigkill,meteor"])
    defer { compare.signal(SIGKILL) }
    let status = await compare.waitForExit(timeout: .seconds(30))
    #expect(status != nil && status != .exited(code: 0))
    try await pollUntil("the error naming the scenario", lastSeen: { compare.standardError }) {
      compare.standardError.contains("meteor")
    }
  }
}
