import ArgumentParser
import FaultHarness
import Foundation

/// `faultline compare`: measures how the reference client recovers from process crashes and from
/// network failures, and reports them side by side.
struct CompareCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Measure client recovery: process crashes vs network failures, side by side.",
    discussion: """
      Each run spawns a mock server, puts an in-process proxy in front of it, connects a ComfyClient
      through the proxy with a prompt running, injects the failure, and measures the time until the
      client notices, the time until it works again, and the messages and prompts lost.
      Scenarios: \(RecoveryScenario.all.map(\.name).joined(separator: ", ")).
      Exit status 1 when a run did not recover.
      """
  )

  @Option(name: .customLong("repeat"), help: "Runs per scenario.")
  var repeats = 2

  @Option(help: "Write the report as JSON to this file.")
  var json: String?

  @Option(help: "Comma-separated scenario names (default: all).")
  var scenarios: String?

  @Option(help: "Seed of the proxy's random decisions.")
  var seed: UInt64 = 1

  @Option(help: "A dump of a real server's GET /object_info whose node classes the mock runs.")
  var objectInfo: String?

  func validate() throws {
    guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1, got \(repeats)") }
    _ = try selectedScenarios()
  }

  func run() async throws {
    let selected = try selectedScenarios()
    var runner = RecoveryRunner(repeats: repeats, seed: seed) { measurement in
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
    if let json {
      do {
        try report.jsonData().write(to: URL(fileURLWithPath: json))
      } catch {
        throw ValidationError("--json \(json): cannot write the report: \(error)")
      }
    }
    if !report.allRecovered { throw ExitCode(1) }
  }

  private func selectedScenarios() throws -> [RecoveryScenario] {
    guard let scenarios else { return RecoveryScenario.all }
    let names = scenarios.split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty }
    guard !names.isEmpty else { throw ValidationError("--scenarios: no scenario named") }
    do {
      return try RecoveryScenario.named(names)
    } catch {
      throw ValidationError("--scenarios: \(error)")
    }
  }
}
