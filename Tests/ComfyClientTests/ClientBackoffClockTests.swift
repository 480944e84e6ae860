import FaultHarness
import Testing

@testable import ComfyClient

/// The client's own reconnection loop on a manual clock, against a real (in-process) server:
/// attempts happen exactly when the injected clock says, and not before.
@Suite struct ClientBackoffClockTests {
  @Test func reconnectionAttemptsWaitForTheInjectedClock() async throws {
    try await RestartableMock.with { mock in
      var configuration = ClientHarness.configuration(port: mock.port)
      configuration.reconnectPolicy = ReconnectPolicy(
        maxAttempts: nil, baseDelay: .seconds(10), maxDelay: .seconds(40), jitter: 0.2)
      let clock = ManualClock()
      try await ComfyClient.withClient(configuration, clock: clock, randomUnit: { 0.5 }) { client in
        let events = StreamTracker(client.events())
        try await client.connect()
        await mock.stop()

        try await clock.waitForSleeps(1)
        try await events.wait(for: "attempt 1 announced") {
          $0.contains(.reconnecting(attempt: 1, delay: .seconds(10)))
        }
        clock.advance(by: .seconds(10))
        // Attempt 1 fails (the server is down) and the loop backs off for twice as long.
        try await clock.waitForSleeps(2)
        try await events.wait(for: "attempt 2 announced") {
          $0.contains(.reconnecting(attempt: 2, delay: .seconds(20)))
        }
        #expect(clock.requestedSleeps == [.seconds(10), .seconds(20)])

        try await mock.start()
        clock.advance(by: .milliseconds(19_999))
        #expect(clock.pendingSleepers == 1, "attempt 2 started before its delay had passed")
        #expect(client.connectionState == .reconnecting)
        clock.advance(by: .milliseconds(1))
        try await events.wait(for: "reconnected at attempt 2") {
          $0.contains(.reconnected(attempts: 2))
        }
        #expect(client.connectionState == .connected)
      }
    }
  }
}
