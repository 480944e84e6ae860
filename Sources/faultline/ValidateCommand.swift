import ArgumentParser
import FaultHarness
import Foundation

/// `faultline validate`: checks the whole set-up end to end and prints a checklist, one pass/fail
/// line per step; exits 1 when any step failed.
struct ValidateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract:
      "Check the set-up end to end: server, routes, WebSocket, restart, reconnection, clean-up.",
    discussion: """
      Spawns mock servers and a proxy on free ports, so it can run next to anything else.
      Exit status 0 when every step passed, 1 otherwise.
      """
  )

  func run() async throws {
    Console.out("Faultline set-up check\n")
    let steps = await SetupValidator().run { step in
      let mark = step.passed ? "[PASS]" : "[FAIL]"
      Console.out("\(mark) \(step.name): \(step.detail)\n")
    }
    let failed = steps.filter { !$0.passed }.count
    let summary =
      failed == 0
      ? "all \(steps.count) steps passed\n" : "\(failed) of \(steps.count) steps failed\n"
    Console.out(summary)
    if failed > 0 { throw ExitCode(1) }
  }
}
