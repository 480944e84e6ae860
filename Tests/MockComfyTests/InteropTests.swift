import ChildProcess
import Foundation
import MockComfy
import Testing

/// ComfyUI's own example client flow, run by Python's websocket-client against a `faultline mock` process:
/// a client written against the real protocol, not against the mock's code.
@Suite("Interop with a Python client of the real protocol")
struct InteropTests {
  static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  static func python() throws -> URL {
    if let configured = ProcessInfo.processInfo.environment["FAULTLINE_PYTHON"], !configured.isEmpty
    {
      return URL(fileURLWithPath: configured)
    }
    let venv = repositoryRoot.appendingPathComponent(".venv/bin/python3")
    guard FileManager.default.isExecutableFile(atPath: venv.path) else {
      throw InteropSetupError(
        description: "no Python for the interop test: set FAULTLINE_PYTHON or run "
          + "`python3 -m venv .venv && .venv/bin/pip install -r Tests/interop/requirements.txt` in \(repositoryRoot.path)"
      )
    }
    return venv
  }

  @Test(
    "websockets_api_example.py flow: prompt with own id, wait for executing null, history, /view")
  func exampleClientFlow() async throws {
    let python = try Self.python()
    let script = Self.repositoryRoot.appendingPathComponent("Tests/interop/comfy_example_client.py")
    try await withMockProcess(arguments: ["--node-time", "20ms", "--status-interval", "0"]) {
      _, port async throws in
      let client = try ManagedChild(
        executable: python, arguments: [script.path, "127.0.0.1:\(port)"])
      // Completion, not just exit: the summary may still be in the pipe when the exit is reaped.
      let status = await client.waitForCompletion(timeout: .seconds(60))
      if status == nil { await client.terminate(grace: .seconds(1)) }
      #expect(status == .exited(code: 0), "python stderr: \(client.standardError)")
      let summary = try JSONValue.parse(Array(client.standardOutput.utf8))
      #expect(summary["first_message"] == "status")
      #expect(summary["images"]?["9"]?.arrayValue?.count == 1)
      #expect(
        summary["sizes"] == [[512, 512]], "the PNG decodes (CRCs, zlib) at the workflow's 512×512")
      #expect(
        (summary["images"]?["9"]?.arrayValue?.first?.intValue ?? 0) > 512 * 512 * 3,
        "a 512×512 RGB PNG")
    }
  }
}

struct InteropSetupError: Error, CustomStringConvertible {
  let description: String
}
