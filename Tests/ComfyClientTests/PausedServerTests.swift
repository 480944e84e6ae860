import ChildProcess
import FaultHarness
import FaultlineTestSupport
import Foundation
import Testing

@testable import ComfyClient

/// A spawned mock paused with SIGSTOP: its sockets stay open but nothing moves, the way a
/// half-open connection looks to a client. The client must notice within its liveness
/// deadlines, keep trying while the server is frozen, and recover when it resumes.
@Suite struct PausedServerTests {
  /// Either liveness mechanism alone must notice: unanswered pings (silence deadline off),
  /// or the silence deadline (pings off).
  @Test(arguments: [true, false])
  func aFrozenServerIsNoticedQuicklyAndTheClientRecoversWhenItResumes(pings: Bool) async throws {
    try await withFaultlineMock(arguments: ["--status-interval", "250ms"]) { child, port in
      let configuration = ClientHarness.configuration(
        port: port, pingInterval: pings ? .milliseconds(500) : nil,
        silenceTimeout: pings ? nil : .milliseconds(1500))
      try await ComfyClient.withClient(configuration) { client in
        let events = StreamTracker(client.events())
        try await client.connect()
        try await events.wait(for: "a status broadcast") { $0.filter(\.isStatus).count >= 2 }

        let clock = ContinuousClock()
        #expect(child.signal(SIGSTOP))
        let frozenAt = clock.now
        try await events.wait(for: "the frozen server noticed") {
          $0.contains { $0.isDisconnected }
        }
        let detection = clock.now - frozenAt
        // Pings every 500 ms (unanswered: noticed within 1 s) or 1.5 s of silence: 5 s is
        // slack for a loaded machine (3 s was exceeded with two busy processes beside the suite),
        // and far from "never".
        #expect(detection < .seconds(5), "noticed after \(detection)")
        let expectedReason: (DisconnectReason) -> Bool = { reason in
          if case .silence = reason { !pings } else { pings }
        }
        let reasons = events.items.compactMap { event -> DisconnectReason? in
          if case .disconnected(let reason) = event { reason } else { nil }
        }
        #expect(reasons.first.map(expectedReason) == true, "disconnected because \(reasons)")
        try await events.wait(for: "reconnection attempts against the frozen server") {
          $0.filter(\.isReconnecting).count >= 2
        }
        #expect(client.connectionState == .reconnecting)

        #expect(child.signal(SIGCONT))
        try await events.wait(for: "reconnected after the resume") {
          $0.contains { $0.isReconnected }
        }
        #expect(client.connectionState == .connected)
        #expect(await client.validateConnection())
      }
    }
  }

  @Test func aPromptRunningWhileTheServerFreezesCompletesAfterTheResume() async throws {
    try await withFaultlineMock(arguments: [
      "--status-interval", "250ms", "--slow-node", "KSampler=2s",
    ]) { child, port in
      try await ComfyClient.withClient(ClientHarness.configuration(port: port)) { client in
        let events = StreamTracker(client.events())
        try await client.connect()
        let job = try await SampleWorkflows.queueUntilTheSamplerRuns(on: client)

        #expect(child.signal(SIGSTOP))
        try await events.wait(for: "the frozen server noticed") {
          $0.contains { $0.isDisconnected }
        }
        #expect(child.signal(SIGCONT))

        let result = try await job.result()
        #expect(!(result.outputs["9"] ?? []).isEmpty)
        #expect(result.source == .history)
        try await events.wait(for: "reconnected") { $0.contains { $0.isReconnected } }
      }
    }
  }
}
