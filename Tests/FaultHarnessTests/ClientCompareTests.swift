import ChildProcess
import FaultHarness
import FaultlineTestSupport
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `faultline compare --client`: the measurement of a foreign client is itself measured, with a
/// scripted Python client whose reaction times are known, and its bad input is refused in one line.
@Suite struct ClientCompareTests {
  static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  /// How far a client's own stamp may be from the observer's clock reading of the same moment:
  /// both are CLOCK_MONOTONIC, read in two processes, so only the reads' own cost.
  static let stampSlack = 0.02

  static let scriptedClient = repositoryRoot.appendingPathComponent(
    "Tests/interop/clients/scripted_client.py"
  ).path

  @Test func aScriptedClientsKnownReactionTimesAreWhatTheReportSays() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    // Sees a dropped connection at once, a silent one after 1 s; reconnects 0.8 s after noticing.
    let command =
      "python3 \(Self.scriptedClient) --silence-timeout 1 --reconnect-delay 0.8 --prompt --check {url}"
    let (status, compare) = try await runCompare([
      "--client", command, "--scenarios", "sigkill,half-open,sigkill-at-node", "--runs", "1",
      "--out",
      directory.path,
    ])
    #expect(status == .exited(code: 0), "\(compare.standardOutput)\n\(compare.standardError)")
    let report = try JSONDecoder().decode(
      ClientReport.self,
      from: Data(contentsOf: directory.appendingPathComponent("report.json")))
    #expect(report.command == command)
    #expect(report.scenarios.map(\.scenario.name) == ["sigkill", "half-open", "sigkill-at-node"])

    // The client stamps its lines with its own CLOCK_MONOTONIC (time_ns), so its view is where it
    // happened however late compare read it; the proxy's and the server's views are never early.
    // So the bounds below follow from what the client does, with no window for how fast a loaded
    // machine runs it (that is a benchmark's question, docs/other-languages.md).
    let sigkill = try #require(report.measurements.first { $0.scenario == "sigkill" })
    #expect(sigkill.verdict == .recovered, "\(sigkill)")
    // Its own view: the drop is seen from the proxy passing the server's death on.
    let dropped = try #require(sigkill.clientReportedDisconnectAfter, "\(sigkill)")
    #expect(dropped > 0, "\(sigkill)")
    #expect(sigkill.noticedAfter == dropped && sigkill.noticedBy == "its own report")
    // Seen from outside: its new connection and session come after its reconnect delay (0.8 s).
    let attempt = try #require(sigkill.newConnectionAfter, "\(sigkill)")
    #expect(attempt >= dropped + 0.8 - Self.stampSlack, "\(sigkill)")
    // The session is stamped by the server, the connection when compare next polls the proxy (late,
    // never early), so the session is compared with the client's delay, not with that poll.
    let back = try #require(sigkill.reconnectedAfter, "\(sigkill)")
    #expect(back >= dropped + 0.8 - Self.stampSlack, "\(sigkill)")
    #expect(sigkill.sameClientID == true)
    #expect(sigkill.promptsSubmittedBefore >= 1, "\(sigkill)")
    #expect(sigkill.inFlightPrompt == "lost", "a new server process does not know the old prompt")
    #expect(sigkill.historyReadsAfter >= 1 && sigkill.queueReadsAfter >= 1, "\(sigkill)")

    let halfOpen = try #require(report.measurements.first { $0.scenario == "half-open" })
    #expect(halfOpen.verdict == .recovered, "\(halfOpen)")
    // Silence deadline 1 s, counted from the last frame it got, which came after it connected: not
    // before its connection (stamped by itself) plus 1 s. The server's last message before the
    // failure is no bound: one sent 7 ms before it was still in the proxy when the half-open
    // connection began swallowing traffic (1 of 20 runs on a loaded machine), and the client
    // counted from the message before.
    let silent = try #require(halfOpen.clientReportedDisconnectAfter, "\(halfOpen)")
    let connected = try #require(
      halfOpen.timeline.last {
        $0.source == .client && ($0.kind == "connected" || $0.kind == "reconnected")
          && $0.time < halfOpen.failedAt
      }, "\(halfOpen)")
    #expect(
      silent >= connected.time + 1 - halfOpen.failedAt - Self.stampSlack,
      "noticed \(silent) s after the failure, connected \(halfOpen.failedAt - connected.time) s before it"
    )
    #expect(halfOpen.noticedAfter == silent && halfOpen.noticedBy == "its own report")
    // Its new connection comes 0.8 s after it noticed, not sooner.
    let halfOpenAttempt = try #require(halfOpen.newConnectionAfter, "\(halfOpen)")
    #expect(halfOpenAttempt >= silent + 0.8 - Self.stampSlack, "\(halfOpen)")

    // Killed the moment node 8 started: its `executing` is the server's last word before it.
    let atNode = try #require(report.measurements.first { $0.scenario == "sigkill-at-node" })
    #expect(atNode.verdict == .recovered, "\(atNode)")
    #expect(atNode.inFlightPrompt == "lost", "\(atNode)")
    let lastWord = atNode.timeline.last {
      $0.source == .server && $0.kind == "message" && $0.time < atNode.failedAt
    }
    #expect(
      lastWord?.detail == "executing" && lastWord?.node == "8", "\(String(describing: lastWord))")

    let html = try String(
      contentsOf: directory.appendingPathComponent("report.html"), encoding: .utf8)
    #expect(html.contains("<svg") && html.contains("data-scenario=\"half-open\""))
    #expect(
      !html.contains("<script") && !html.contains("src=") && !html.contains("href="),
      "one self-contained file, readable offline")
    // Rendered by a real browser: the bars of both figures are on the screen.
    let shot = try await HeadlessChromium.screenshot(
      of: directory.appendingPathComponent("report.html"), in: directory)
    let colours = try await PNGColours.count(in: shot, ["#e69f00", "#0072b2"])
    #expect(colours["#e69f00", default: 0] > 200, "noticed bars: \(colours)")
    #expect(colours["#0072b2", default: 0] > 200, "reconnected bars: \(colours)")
    #expect(compare.standardError.contains("[2/3] half-open run 1"), "\(compare.standardError)")
  }

  @Test func aClientThatNeverNoticesAHalfOpenConnectionIsReportedSo() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let (status, compare) = try await runCompare([
      "--client", "python3 \(Self.scriptedClient) --silence-timeout 0 --prompt",
      "--scenarios", "half-open", "--runs", "1", "--recovery-deadline", "2s",
      "--json", directory.appendingPathComponent("report.json").path,
    ])
    #expect(status == .exited(code: 1), "\(compare.standardOutput)\n\(compare.standardError)")
    let report = try JSONDecoder().decode(
      ClientReport.self,
      from: Data(contentsOf: directory.appendingPathComponent("report.json")))
    let run = try #require(report.measurements.first)
    #expect(run.verdict == .didNotNotice, "\(run)")
    #expect(run.noticedAfter == nil && run.reconnectedAfter == nil, "\(run)")
    // Its HTTP requests (a new prompt once the fault is gone) are TCP connections but no session.
    #expect(run.sessionsAfter == 0, "\(run)")
    #expect(compare.standardOutput.contains("1/1 did not notice"), "\(compare.standardOutput)")
  }

  @Test(arguments: [
    (["--scenarios", "sigkill,meteor"], "unknown scenario \"meteor\""),
    (["--client", "/nonexistent/client-program"], "before it connected"),
    (["--client", "sleep 61.4242", "--connect-timeout", "1s"], "never connected"),
  ])
  func badInputIsOneLineAndExitStatus2(arguments: [String], message: String) async throws {
    let (status, compare) = try await runCompare(
      arguments + (arguments.contains("--client") ? [] : ["--client", "true"]))
    #expect(status == .exited(code: 2), "\(compare.standardError)")
    let lines = compare.standardError.split(whereSeparator: \.isNewline)
    #expect(lines.count == 1, "\(compare.standardError)")
    #expect(compare.standardError.contains(message), "\(compare.standardError)")
    if arguments.contains("sleep 61.4242") {
      #expect(!processRunning(withArgument: "61.4242"), "the client's process group is gone")
    }
  }

  @Test func portsInUseAreOneLineAndExitStatus2() async throws {
    let (holder, port) = try loopbackSocket(listeningWith: 8)
    defer { close(holder) }
    for option in ["--proxy-port", "--server-port"] {
      let (status, compare) = try await runCompare([
        "--client", "sleep 61.4343", option, "\(port)", "--scenarios", "sigkill",
      ])
      #expect(status == .exited(code: 2), "\(option): \(compare.standardError)")
      #expect(
        compare.standardError.split(whereSeparator: \.isNewline).count == 1,
        "\(compare.standardError)")
      #expect(compare.standardError.contains("\(port)"), "\(compare.standardError)")
      #expect(!processRunning(withArgument: "61.4343"))
    }
  }

  @Test func aSignalToCompareStopsTheClientToo() async throws {
    // The client has a process group of its own, so the terminal's Ctrl-C does not reach it.
    try await expectCompareStopsItsClient(marker: "61.5151") { compare in
      compare.signal(SIGINT)
    }
  }

  @Test func aCompareWhoseParentIsGoneStopsTheClientToo() async throws {
    // What the kernel does to the pipe when the test runner dies, even by SIGKILL.
    try await expectCompareStopsItsClient(marker: "61.6161", arguments: ["--exit-with-parent"]) {
      compare in compare.closeStandardInput()
    }
  }

  /// Starts `compare` with a client that sleeps `marker` seconds, lets `stop` end it, and checks
  /// that it exits with 130 and takes the client's process group and the run's files with it.
  private func expectCompareStopsItsClient(
    marker: String, arguments: [String] = [], stop: (ManagedChild) -> Void
  ) async throws {
    // Its own temporary directory, to see that the run's files go too.
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var environment = ProcessInfo.processInfo.environment
    environment["TMPDIR"] = directory.path
    let compare = try ManagedChild(
      executable: FaultlineExecutable.url,
      arguments: [
        "compare", "--client", "sleep \(marker)", "--connect-timeout", "60s", "--scenarios",
        "sigkill",
      ] + arguments, environment: environment)
    defer { compare.signal(SIGKILL) }
    try await pollUntil("the client running", timeout: .seconds(30)) {
      processRunning(withArgument: marker)
    }
    #expect(try !FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    stop(compare)
    #expect(await compare.waitForExit(timeout: .seconds(15)) == .exited(code: 130))
    #expect(!processRunning(withArgument: marker), "the client's group went with it")
    let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(left.isEmpty, "the run's files went too: \(left)")
  }

  private func runCompare(_ arguments: [String]) async throws -> (
    ChildProcess.ExitStatus?, ManagedChild
  ) {
    let compare = try ManagedChild(
      executable: FaultlineExecutable.url, arguments: ["compare", "--exit-with-parent"] + arguments)
    let status = await compare.waitForCompletion(timeout: .seconds(120))
    if status == nil { compare.signal(SIGKILL) }
    return (status, compare)
  }

  private func temporaryDirectory() throws -> URL {
    try ScratchDirectory.create(prefix: "faultline-client-compare-test")
  }
}

/// Whether any live process has `argument` among its command-line arguments.
func processRunning(withArgument argument: String) -> Bool {
  !ProcessTable.processes(withArgument: argument).isEmpty
}

/// Renders a page with Debian's `chromium` in headless mode (scripts/setup installs it).
enum HeadlessChromium {
  static func screenshot(of page: URL, in directory: URL) async throws -> URL {
    let executable = URL(fileURLWithPath: "/usr/bin/chromium")
    try #require(
      FileManager.default.isExecutableFile(atPath: executable.path),
      "chromium is not installed: run scripts/setup (it installs Debian's chromium package)")
    let shot = directory.appendingPathComponent("report.png")
    let browser = try ManagedChild(
      executable: executable,
      arguments: [
        "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        "--user-data-dir=\(directory.appendingPathComponent("chromium-profile").path)",
        "--screenshot=\(shot.path)", "--window-size=1400,1400", page.absoluteString,
      ])
    let status = await browser.waitForCompletion(timeout: .seconds(60))
    if status == nil { await browser.terminate(grace: .seconds(1)) }
    try #require(
      status == .exited(code: 0) && FileManager.default.fileExists(atPath: shot.path),
      "chromium: \(String(describing: status)) \(browser.standardError)")
    return shot
  }
}

/// Pixels of given colours in a PNG, counted by Tests/interop/png_colours.py.
enum PNGColours {
  static func count(in png: URL, _ colours: [String]) async throws -> [String: Int] {
    let script = ClientCompareTests.repositoryRoot.appendingPathComponent(
      "Tests/interop/png_colours.py")
    let counter = try ManagedChild(
      executable: URL(fileURLWithPath: "/usr/bin/env"),
      arguments: ["python3", script.path, png.path] + colours)
    let status = await counter.waitForCompletion(timeout: .seconds(60))
    try #require(status == .exited(code: 0), "png_colours.py: \(counter.standardError)")
    let object = try JSONSerialization.jsonObject(with: Data(counter.standardOutput.utf8))
    return (object as? [String: Any])?["colours"] as? [String: Int] ?? [:]
  }
}
