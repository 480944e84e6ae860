import ChildProcess
import FaultlineScope
import Foundation

/// `faultline mock` as its own process on `port` (0: a free one) for `body`, which gets the child
/// and its port; always terminated and reaped however `body` ends. Its files live in a directory of
/// the test's own, removed afterwards, so even a server killed with SIGKILL leaves nothing behind;
/// it also exits if the test process dies.
public func withFaultlineMock<Result>(
  port: Int = 0,
  arguments: [String] = [],
  _ body: (ManagedChild, Int) async throws -> Result
) async throws -> Result {
  // The test owns the output directory: a SIGKILLed server cannot remove its own.
  let directory = try ScratchDirectory.create(prefix: "faultline-test")
  defer { try? FileManager.default.removeItem(at: directory) }
  let child = try ManagedChild(
    executable: try FaultlineExecutable.url,
    arguments: [
      "mock", "--port", "\(port)", "--output-directory", directory.path, "--exit-with-parent",
    ] + arguments)
  return try await withCleanup(child, cleanup: { _ = await $0.terminate(grace: .seconds(3)) }) {
    child in
    let ready = try await child.waitForReadyLine(timeout: .seconds(30))
    guard let port = ready.integer("port") else {
      throw ChildProcessError.invalidReadyLine(
        line: ready.line, reason: "no port", stderr: child.standardError)
    }
    return try await body(child, port)
  }
}
