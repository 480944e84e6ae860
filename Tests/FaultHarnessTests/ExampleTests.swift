import ComfyClient
import FaultHarness
import Testing

/// Three short examples to copy when writing your first reconnection test. Each one starts a real
/// mock server process, breaks it, and checks that the client comes back.
@Suite struct ExampleTests {
  /// Example 1: stop the server, start it again, reconnect by hand.
  @Test func basicRestart() async throws {
    try await ServerManager.with { servers in
      let server = try await servers.start()  // a `faultline mock` process on a free port
      let configuration = ComfyClientConfiguration.fastRecovery(
        baseURL: server.baseURL, autoReconnect: false)
      try await ComfyClient.withClient(configuration) { client in
        try await client.connect()

        try await servers.restart(port: server.port)  // SIGTERM, then a new process
        try await waitForDisconnection(client)

        try await client.reconnect()
        #expect(await client.validateConnection())
      }
    }
  }

  /// Example 2: kill the server; the client reconnects by itself.
  @Test func autoReconnect() async throws {
    try await ServerManager.with { servers in
      let server = try await servers.start()
      try await ComfyClient.withClient(.fastRecovery(baseURL: server.baseURL)) { client in
        let reconnected = trackEvent(client, \.isReconnected)  // subscribe before the crash
        try await client.connect()

        try await servers.restart(port: server.port, after: .milliseconds(300), stopping: .kill)

        try await reconnected.wait(for: "the reconnected event") { !$0.isEmpty }
        #expect(client.connectionState == .connected)
      }
    }
  }

  /// Example 3: three restarts in a row, one reconnection each.
  @Test func repeatedRestarts() async throws {
    try await ServerManager.with { servers in
      let server = try await servers.start()
      try await ComfyClient.withClient(.fastRecovery(baseURL: server.baseURL)) { client in
        let reconnected = trackEvent(client, \.isReconnected)
        try await client.connect()

        for cycle in 1...3 {
          try await servers.restart(port: server.port)
          try await reconnected.wait(for: "reconnection \(cycle)") { $0.count == cycle }
        }
        #expect(await client.validateConnection())
      }
    }
  }
}
