import ChildProcess
import FaultHarness
import FaultlineTestSupport
import Foundation
import Testing

@testable import ComfyClient

/// A spawned mock killed with SIGKILL (no close frame, no goodbye) and a new process started
/// on the same port, several times: the crash the TypeScript harness simulated.
@Suite struct KilledServerTests {
  @Test func theClientReconnectsToEachNewProcessAfterEveryKill() async throws {
    try await withFaultlineMock(arguments: ["--status-interval", "250ms"]) { first, port in
      try await ComfyClient.withClient(ClientHarness.configuration(port: port)) { client in
        let events = StreamTracker(client.events())
        try await client.connect()
        #expect(first.signal(SIGKILL))
        try await events.wait(for: "the first kill noticed") {
          $0.filter(\.isDisconnected).count == 1
        }
        for cycle in 2...3 {
          try await withFaultlineMock(port: port, arguments: ["--status-interval", "250ms"]) {
            next, _ in
            try await events.wait(for: "reconnected to process \(cycle)") {
              $0.filter(\.isReconnected).count == cycle - 1
            }
            #expect(next.signal(SIGKILL))
            try await events.wait(for: "kill \(cycle) noticed") {
              $0.filter(\.isDisconnected).count == cycle
            }
          }
        }
        try await withFaultlineMock(port: port, arguments: ["--status-interval", "250ms"]) { _, _ in
          try await events.wait(for: "reconnected to the last process") {
            $0.filter(\.isReconnected).count == 3
          }
          #expect(await client.validateConnection())
          let reasons = events.items.compactMap { event -> DisconnectReason? in
            if case .disconnected(let reason) = event { reason } else { nil }
          }
          #expect(reasons.count == 3)
          #expect(reasons.allSatisfy { if case .connectionLost = $0 { true } else { false } })
        }
      }
    }
  }
}
