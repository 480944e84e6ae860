import ChildProcess
import Foundation
import Testing

/// `faultline mock` as its own process, always terminated and reaped however the test ends.
/// Its files live in a directory of the test's own, removed afterwards, so even a server
/// killed with SIGKILL leaves nothing behind; it also exits if the test process dies.
enum SpawnedMock {
  static func with<Result>(
    port: Int = 0,
    arguments: [String] = [],
    _ body: (ManagedChild, Int) async throws -> Result
  ) async throws -> Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "comfyclient-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let child = try ManagedChild(
      executable: FaultlineExecutable.url,
      arguments: [
        "mock", "--port", "\(port)", "--status-interval", "250ms",
        "--output-directory", directory.path, "--exit-with-parent",
      ] + arguments)
    do {
      let ready = try await child.waitForReadyLine(timeout: .seconds(30))
      let port = try #require(ready.integer("port"), "ready line without a port: \(ready.line)")
      let result = try await body(child, port)
      _ = await child.terminate(grace: .seconds(3))
      return result
    } catch {
      _ = await child.terminate(grace: .seconds(3))
      throw error
    }
  }
}
