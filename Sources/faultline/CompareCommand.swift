import ArgumentParser
import ChildProcess
import FaultHarness
import Foundation

/// `faultline compare`: measures how a client recovers from process crashes and from network
/// failures, and reports them side by side: the reference client, or any program with `--client`.
struct CompareCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Measure client recovery: process crashes vs network failures, side by side.",
    discussion: """
      Each run spawns a mock server, puts an in-process proxy in front of it, connects a client
      through the proxy with a prompt running, injects the failure, and measures the time until the
      client notices, the time until it works again, and the messages and prompts lost.
      Without --client the client is Faultline's reference ComfyClient; with --client CMD, CMD is run
      (through /bin/sh) per run with the proxy's URL in place of {url} and in COMFY_URL, and measured
      from outside (docs/other-languages.md).
      Scenarios: \(RecoveryScenario.all.map(\.name).joined(separator: ", ")); at a protocol
      moment, by name only: \(RecoveryScenario.atMoments.map(\.name).joined(separator: ", ")).
      Exit status 1 when a run did not recover; 2 when the comparison could not run (bad scenario
      name, a client that does not start or never connects, a server or proxy that cannot start).
      """
  )

  @Option(name: [.customLong("runs"), .customLong("repeat")], help: "Runs per scenario.")
  var runs = 2

  @Option(help: "Write the report as JSON to this file.")
  var json: String?

  @Option(help: "Write report.json and report.html into this directory.")
  var out: String?

  @Option(help: "Comma-separated scenario names (default: all).")
  var scenarios: String?

  @Option(help: "Seed of the proxy's random decisions.")
  var seed: UInt64 = 1

  @Option(
    help:
      "Measure this client program instead of the reference client: a shell command line; {url} and $COMFY_URL hold the proxy's URL."
  )
  var client: String?

  @Option(help: "With --client: the proxy's port (0: a free one).")
  var proxyPort = 0

  @Option(help: "With --client: the mock server's port (0: a free one).")
  var serverPort = 0

  @Option(help: "With --client: how long the client may take to open its WebSocket, e.g. 20s.")
  var connectTimeout = "20s"

  @Option(help: "With --client: how long after the failure's end a reconnect may come, e.g. 15s.")
  var recoveryDeadline = "15s"

  @Option(
    help:
      "With --client: how long to wait for a prompt of the client's to run before injecting the failure anyway, e.g. 10s (0s: do not wait)."
  )
  var promptWait = "10s"

  @Option(help: "A dump of a real server's GET /object_info whose node classes the mock runs.")
  var objectInfo: String?

  @Flag(
    help:
      "Stop (exit status 130, the client and the runs' files gone) when standard input reaches end-of-file: the parent that started us is gone."
  )
  var exitWithParent = false

  func validate() throws {
    guard runs >= 1 else { throw ValidationError("--runs must be at least 1, got \(runs)") }
    for (value, option) in [(proxyPort, "--proxy-port"), (serverPort, "--server-port")]
    where !(0...65_535).contains(value) {
      throw ValidationError("\(option) \(value) is not between 0 and 65535")
    }
  }

  func run() async throws {
    // Read first: a parent that dies before this would go unnoticed.
    let parent = getppid()
    let selected: [RecoveryScenario]
    do {
      selected = try selectedScenarios()
    } catch {
      fail("--scenarios: \(error)")
    }
    if let client {
      try await compare(client: client, selected, parent: parent)
      return
    }
    // The mocks and proxies the runs start exit with this process (their standard input pipes).
    ParentWatch.start(originalParent: parent, watchStandardInput: exitWithParent) { reason in
      Console.err("faultline compare: \(reason), stopping\n")
      Foundation.exit(130)
    }
    var runner = RecoveryRunner(repeats: runs, seed: seed) { measurement in
      let outcome =
        measurement.error.map { "could not be measured: \($0)" }
        ?? (measurement.recovered
          ? "recovered, outage \(String(format: "%.2f", measurement.outage ?? 0)) s"
          : "did NOT recover")
      Console.err("\(measurement.scenario) run \(measurement.run): \(outcome)\n")
    }
    runner.mockOptions.objectInfo = objectInfo
    let report = await runner.run(selected)
    Console.out(report.table() + "\n")
    writeReports(
      json: try report.jsonData(), html: ClientReport(reference: report, scenarios: selected).html()
    )
    if !report.allRecovered { throw ExitCode(1) }
  }

  private func compare(
    client command: String, _ selected: [RecoveryScenario], parent: pid_t
  ) async throws {
    let connect: Duration
    let recovery: Duration
    let promptDeadline: Duration
    do {
      connect = try parseDuration(connectTimeout, option: "--connect-timeout")
      recovery = try parseDuration(recoveryDeadline, option: "--recovery-deadline")
      promptDeadline = try parseDuration(promptWait, option: "--prompt-wait")
    } catch {
      fail("\(error)")
    }
    let total = selected.count * runs
    // The client runs in a process group of its own, out of reach of the terminal's Ctrl-C.
    let interrupt = SignalWaiter(signals: [SIGINT, SIGTERM, SIGHUP])
    let guardian = Task {
      let reason = await interrupt.wait()
      guard !Task.isCancelled else { return }
      Console.err("faultline compare: \(reason), stopping the client\n")
      ClientRunner.abandonRuns()
      Foundation.exit(130)
    }
    defer { guardian.cancel() }
    ParentWatch.start(originalParent: parent, watchStandardInput: exitWithParent) {
      interrupt.trigger($0)
    }
    var runner = ClientRunner(
      command: command, runs: runs, seed: seed, proxyPort: proxyPort, serverPort: serverPort,
      connectDeadline: connect, promptDeadline: promptDeadline, recoveryDeadline: recovery
    ) { run in
      var parts = [run.verdict.rawValue]
      if let noticed = run.noticedAfter {
        parts.append("noticed \(String(format: "%.2f", noticed)) s")
      }
      if let back = run.reconnectedAfter {
        parts.append("reconnected \(String(format: "%.2f", back)) s")
      }
      if let error = run.error { parts.append(error) }
      Console.err(
        "[\(((selected.firstIndex { $0.name == run.scenario } ?? 0) * runs) + run.run)/\(total)] \(run.scenario) run \(run.run): \(parts.joined(separator: ", "))\n"
      )
    }
    runner.mockOptions.objectInfo = objectInfo
    let outcome: Result<ClientReport, ClientRunError>
    do {
      outcome = .success(try await runner.run(selected))
    } catch {
      outcome = .failure(error)
    }
    // A run that ended because a signal stopped its client is not a result: the guardian is still
    // removing the runs' files and exits with 130 when done, so wait for it instead of reporting.
    if ClientRunner.runsWereAbandoned { await guardian.value }
    let report: ClientReport
    switch outcome {
    case .success(let finished): report = finished
    case .failure(let error): fail(error.description)
    }
    Console.out(report.table() + "\n")
    writeReports(json: try report.jsonData(), html: report.html())
    if !report.allRecovered { throw ExitCode(1) }
  }

  /// One line on standard error, exit status 2.
  private func fail(_ message: String) -> Never {
    let oneLine = message.split(whereSeparator: \.isNewline).map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty }.joined(separator: " | ")
    Console.err("faultline compare: \(oneLine)\n")
    Foundation.exit(2)
  }

  /// The JSON to `--json`, and JSON and HTML (when there is some) into `--out`.
  private func writeReports(json data: Data, html: String?) {
    if let json { write(data, to: json, option: "--json") }
    guard let out else { return }
    makeDirectory(out)
    write(data, to: out + "/report.json", option: "--out")
    if let html { write(Data(html.utf8), to: out + "/report.html", option: "--out") }
    Console.err("faultline compare: wrote the report into \(out)\n")
  }

  private func makeDirectory(_ path: String) {
    do {
      try FileManager.default.createDirectory(
        atPath: path, withIntermediateDirectories: true)
    } catch {
      fail("--out \(path): cannot create the directory: \(error.localizedDescription)")
    }
  }

  private func write(_ data: Data, to path: String, option: String) {
    do {
      try data.write(to: URL(fileURLWithPath: path))
    } catch {
      fail("\(option) \(path): cannot write the report: \(error.localizedDescription)")
    }
  }

  private func selectedScenarios() throws -> [RecoveryScenario] {
    guard let scenarios else { return RecoveryScenario.all }
    let names = scenarios.split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty }
    guard !names.isEmpty else { throw ValidationError("no scenario named") }
    return try RecoveryScenario.named(names)
  }
}
