import FaultHarness
import Testing

/// A `faultline mock` process refuses a body announced over its upload size (ComfyUI's 100 MiB
/// `max_upload_size`) before a byte of it is sent, on every route that reads a body.
@Suite struct MockBodyLimitTests {
  @Test(arguments: ["/prompt", "/api/prompt", "/upload/image"])
  func aDeclaredBodyOverTheLimitGets413BeforeItIsSent(path: String) async throws {
    try await ServerManager.with { servers in
      let server = try await servers.start()
      // 10 GB announced, not a byte sent: the answer can only come from the header.
      let status = try await HTTPProbe.statusWithoutBody(
        "POST", path, port: server.port, declaredLength: 10_000_000_000)
      #expect(status == 413)
      // The server carries on.
      #expect(try await HTTPProbe.request("GET", "/queue", port: server.port).status == 200)
    }
  }

  @Test func aBodyWithinTheLimitIsWaitedFor() async throws {
    try await ServerManager.with { servers in
      let server = try await servers.start()
      // 1 MB announced and not sent: within the limit, so the server waits for it, and the probe
      // gets no answer.
      await #expect(throws: HTTPProbe.Failure.self) {
        _ = try await HTTPProbe.statusWithoutBody(
          "POST", "/prompt", port: server.port, declaredLength: 1_000_000, timeout: .seconds(2))
      }
    }
  }
}
