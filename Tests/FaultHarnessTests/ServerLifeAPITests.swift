import ChildProcess
import ComfyClient
import FaultHarness
import FaultlineTestSupport
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `/faultline/servers...` of `faultline up`: a test in any language starts, crashes, freezes and
/// restarts mock servers over HTTP, and sees real processes come and go.
@Suite struct ServerLifeAPITests {
  @Test func serversStartStopKillPauseResumeAndRestartOverHTTP() async throws {
    try await withUp { api, ready in
      let upServerPort = try #require(URL(string: ready.string("server") ?? "")?.port)
      let listed = try await HTTPProbe.request("GET", "/faultline/servers", port: api)
      #expect(ports(listed) == [upServerPort], "\(text(listed))")

      // Two more servers on free ports, at once.
      async let first = HTTPProbe.request("POST", "/faultline/servers", port: api)
      async let second = HTTPProbe.request(
        "POST", "/faultline/servers", port: api, json: #"{"port": 0}"#)
      let started = try await [first, second]
      for answer in started { #expect(answer.status == 201, "\(text(answer))") }
      let (a, b) = (try port(started[0]), try port(started[1]))
      let pidA = try pid(started[0])
      #expect(isAlive(Int(pidA)))
      #expect(try await HTTPProbe.request("GET", "/prompt", port: a).status == 200)
      #expect(
        Set(ports(try await HTTPProbe.request("GET", "/faultline/servers", port: api))) == [
          upServerPort, a, b,
        ])

      // Pause: the process freezes (a request gets no answer); resume: it answers again.
      let paused = try await HTTPProbe.request("POST", "/faultline/servers/\(a)/pause", port: api)
      #expect(paused.object?["paused"] as? Bool == true, "\(text(paused))")
      try await pollUntil("the server frozen", timeout: .seconds(5)) { processState(pidA) == "T" }
      await #expect(throws: (any Error).self) {
        try await HTTPProbe.request("GET", "/prompt", port: a, timeout: .milliseconds(500))
      }
      let resumed = try await HTTPProbe.request("POST", "/faultline/servers/\(a)/resume", port: api)
      #expect(resumed.object?["paused"] as? Bool == false, "\(text(resumed))")
      #expect(try await HTTPProbe.request("GET", "/prompt", port: a).status == 200)

      // Restart on the same port after a delay, killing the old process: a new pid, same port.
      let restarted = try await HTTPProbe.request(
        "POST", "/faultline/servers/\(a)/restart", port: api,
        json: #"{"delay_ms": 300, "method": "kill"}"#)
      #expect(restarted.status == 200, "\(text(restarted))")
      #expect(try port(restarted) == a)
      let newPID = try pid(restarted)
      #expect(newPID != pidA)
      #expect(!isAlive(Int(pidA)))
      #expect(try await HTTPProbe.request("GET", "/prompt", port: a).status == 200)

      // Kill: SIGKILL, reported as such; then the port is no longer managed.
      let killed = try await HTTPProbe.request("POST", "/faultline/servers/\(a)/kill", port: api)
      #expect(killed.object?["exit"] as? String == "killed by signal 9", "\(text(killed))")
      #expect(killed.object?["running"] as? Bool == false)
      #expect(!isAlive(Int(newPID)))
      let gone = try await HTTPProbe.request("GET", "/faultline/servers/\(a)", port: api)
      #expect(gone.status == 404, "\(text(gone))")

      // Stop: SIGTERM, and the mock exits by itself with 0; even a paused one.
      _ = try await HTTPProbe.request("POST", "/faultline/servers/\(b)/pause", port: api)
      let stopped = try await HTTPProbe.request("POST", "/faultline/servers/\(b)/stop", port: api)
      #expect(stopped.object?["exit"] as? String == "exited with code 0", "\(text(stopped))")

      // A given port, then the same port again while it runs: 409.
      let again = try await HTTPProbe.request(
        "POST", "/faultline/servers", port: api, json: "{\"port\": \(a)}")
      #expect(again.status == 201, "\(text(again))")
      #expect(try port(again) == a)
      let twice = try await HTTPProbe.request(
        "POST", "/faultline/servers", port: api, json: "{\"port\": \(a)}")
      #expect(twice.status == 409, "\(text(twice))")

      // Stop all, including `up`'s own server; the manager still starts new ones afterwards.
      let pids =
        try (await HTTPProbe.request("GET", "/faultline/servers", port: api)).object?[
          "servers"] as? [[String: Any]] ?? []
      #expect(pids.count == 2)
      let all = try await HTTPProbe.request("DELETE", "/faultline/servers", port: api)
      #expect(all.status == 204)
      for server in pids { #expect(!isAlive(server["pid"] as? Int ?? 0)) }
      #expect(ports(try await HTTPProbe.request("GET", "/faultline/servers", port: api)).isEmpty)
      let fresh = try await HTTPProbe.request("POST", "/faultline/servers", port: api)
      #expect(fresh.status == 201, "\(text(fresh))")
    }
  }

  @Test func theServersEventsArePagedOverHTTP() async throws {
    try await withUp { api, ready in
      let proxy = try #require(URL(string: ready.string("proxy") ?? "")?.port)
      #expect(try await HTTPProbe.request("GET", "/queue", port: proxy).status == 200)
      var next = 0
      var seen: [[String: Any]] = []
      try await pollUntil("the request in the servers' events", timeout: .seconds(10)) {
        guard
          let page = try? await HTTPProbe.request(
            "GET", "/faultline/servers/events?after=\(next)", port: api),
          let object = page.object
        else { return false }
        seen += object["events"] as? [[String: Any]] ?? []
        next = object["next"] as? Int ?? next
        return seen.contains {
          $0["event"] as? String == "http" && $0["path"] as? String == "/queue"
        }
      }
      let last = try await HTTPProbe.request(
        "GET", "/faultline/servers/events?after=\(next)", port: api)
      let again = (last.object?["events"] as? [[String: Any]] ?? []).filter {
        $0["event"] as? String == "http" && $0["path"] as? String == "/queue"
      }
      #expect(again.isEmpty, "a page starts where the last one ended")
      let bad = try await HTTPProbe.request("GET", "/faultline/servers/events?after=-1", port: api)
      #expect(bad.status == 400)
    }
  }

  @Test func badServerRequestsAreNamed() async throws {
    try await withUp { api, _ in
      let missing = try await HTTPProbe.request("POST", "/faultline/servers/1/kill", port: api)
      #expect(missing.status == 404)
      #expect(text(missing).contains("no server is managed on port 1"), "\(text(missing))")
      let badPort = try await HTTPProbe.request("POST", "/faultline/servers/abc/kill", port: api)
      #expect(badPort.status == 400, "\(text(badPort))")
      let badField = try await HTTPProbe.request(
        "POST", "/faultline/servers", port: api, json: #"{"prot": 0}"#)
      #expect(badField.status == 400)
      #expect(text(badField).contains("prot: unknown field"), "\(text(badField))")
      let badMethod = try await HTTPProbe.request(
        "POST", "/faultline/servers/1/restart", port: api, json: #"{"method": "nuke"}"#)
      #expect(text(badMethod).contains("method: expected one of"), "\(text(badMethod))")
      // A port held by someone else: the start fails with the server's own words, nothing left.
      let holder = try await HTTPProbe.request("POST", "/faultline/servers", port: api)
      let taken = try port(holder)
      let clash = try await HTTPProbe.request(
        "POST", "/faultline/servers", port: api, json: "{\"port\": \(taken)}")
      #expect(clash.status == 409, "\(text(clash))")
      // A port some other process listens on: 500 with the server's own words.
      let (foreign, foreignPort) = try loopbackSocket(listeningWith: 8)
      defer { close(foreign) }
      let refused = try await HTTPProbe.request(
        "POST", "/faultline/servers", port: api, json: "{\"port\": \(foreignPort)}",
        timeout: .seconds(30))
      #expect(refused.status == 500, "\(text(refused))")
      #expect(text(refused).contains("could not listen"), "\(text(refused))")
      #expect(ports(try await HTTPProbe.request("GET", "/faultline/servers", port: api)).count == 2)
    }
  }

  /// Runs `faultline up` with short timings and hands over its API port and ready line.
  private func withUp(_ body: (Int, ReadyLine) async throws -> Void) async throws {
    let up = try ManagedChild(
      executable: FaultlineExecutable.url,
      arguments: [
        "up", "--node-time", "50ms", "--status-interval", "250ms", "--exit-with-parent",
      ])
    defer { up.signal(SIGKILL) }
    let ready = try await up.waitForReadyLine(timeout: .seconds(30))
    let api = try #require(URL(string: ready.string("api") ?? "")?.port, "\(ready.line)")
    try await body(api, ready)
    up.signal(SIGTERM)
    #expect(await up.waitForExit(timeout: .seconds(15)) == .exited(code: 0))
  }

  private func text(_ response: HTTPProbe.Response) -> String {
    "\(response.status) \(String(decoding: response.body, as: UTF8.self))"
  }

  private func port(_ response: HTTPProbe.Response) throws -> Int {
    try #require(response.object?["port"] as? Int, "\(text(response))")
  }

  private func pid(_ response: HTTPProbe.Response) throws -> Int32 {
    Int32(try #require(response.object?["pid"] as? Int, "\(text(response))"))
  }

  private func ports(_ response: HTTPProbe.Response) -> [Int] {
    ((response.object?["servers"] as? [[String: Any]]) ?? []).compactMap { $0["port"] as? Int }
  }
}
