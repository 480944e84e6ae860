import FaultHarness
import MockComfy
import Testing

@testable import ComfyClient

/// The client against a mock with the real server's defaults: no periodic `status`, and ComfyUI's
/// reconnect race (#16010) on.
@Suite struct RealServerSilenceTests {
  static func realDefaults(_ configuration: inout MockServerConfiguration) {
    configuration.statusInterval = nil
    configuration.quirks = MockQuirk.realServerDefaults
    configuration.nodeTime = .milliseconds(20)
  }

  /// Long enough that a loaded machine's gap between a running job's messages is not taken for a
  /// silent server (1 s was, with two busy processes beside the suite).
  static let silence = Duration.seconds(2.5)

  static func client(port: Int, clientId: String) -> ComfyClientConfiguration {
    var configuration = ClientHarness.configuration(port: port, silenceTimeout: Self.silence)
    configuration.liveness.silenceCountsWhenIdle = false
    // Silence alone is under test: an unanswered ping (the in-process server starved on a loaded
    // machine) would end the socket by another rule.
    configuration.liveness.pingInterval = nil
    configuration.clientId = clientId
    return configuration
  }

  /// A real server says nothing to an idle client: its silence is no reason to reconnect.
  @Test func anIdleClientKeepsItsSocketThroughTheServersSilence() async throws {
    try await RestartableMock.with(Self.realDefaults) { mock in
      try await ComfyClient.withClient(Self.client(port: mock.port, clientId: "idle")) {
        client in
        let events = StreamTracker(client.events())
        try await client.connect()
        // Two silence deadlines of an idle server; a client that counted them would have dropped.
        try await Task.sleep(for: Self.silence * 2)
        #expect(events.count { $0.isDisconnected } == 0)
        let job = try await client.queue(try SampleWorkflows.textToImage())
        _ = try await withDeadline(.seconds(15), "the prompt's result") { try await job.result() }
        #expect(events.count { $0.isDisconnected } == 0)
      }
    }
  }

  /// The race happens while idle; the job queued afterwards hears nothing (the server dropped the
  /// socket's registration), so the silence deadline, counting from the queueing, replaces it.
  @Test func theRaceIsRepairedOnceAJobWaits() async throws {
    try await RestartableMock.with(Self.realDefaults) { mock in
      // The old socket must still be open when it is destroyed, or there is no race.
      let old = ClientHarness.racer(port: mock.port, autoReconnect: false, silenceTimeout: nil)
      try await ComfyClient.withClient(old) { oldClient in
        try await oldClient.connect()
        try await ComfyClient.withClient(Self.client(port: mock.port, clientId: "racer")) {
          client in
          let events = StreamTracker(client.events())
          try await client.connect()
          // The old socket's handler ends after ours registered: the server forgets ours.
          await oldClient.destroy()
          let job = try await client.queue(try SampleWorkflows.textToImage())
          try await events.wait(for: "a disconnect by silence") {
            $0.contains(.disconnected(.silence(Self.silence)))
          }
          try await events.wait(for: "reconnected") { $0.contains { $0.isReconnected } }
          _ = try await withDeadline(.seconds(15), "the prompt's result") { try await job.result() }
        }
      }
    }
  }
}
