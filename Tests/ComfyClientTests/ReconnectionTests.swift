import FaultHarness
import MockComfy
import Synchronization
import Testing

@testable import ComfyClient

/// Reconnection against an in-process mock that is stopped and started again on the same port.
@Suite struct ReconnectionTests {
  @Test func reconnectByHandAfterARestart() async throws {
    try await RestartableMock.with { mock in
      let configuration = ClientHarness.configuration(port: mock.port, autoReconnect: false)
      try await ComfyClient.withClient(configuration) { client in
        let events = StreamTracker(client.events())
        try await client.connect()
        await mock.stop()
        try await events.wait(for: "a disconnect closed by the server") { events in
          events.contains(.disconnected(.closedByServer(code: "goingAway", reason: nil)))
            || events.contains { $0.isDisconnected }
        }
        #expect(client.connectionState == .disconnected, "no reconnection without autoReconnect")
        #expect(await client.validateConnection() == false)

        try await mock.start()
        try await client.reconnect()
        #expect(client.connectionState == .connected)
        try await events.wait(for: "reconnected at the first attempt") {
          $0.contains(.reconnected(attempts: 1))
        }
        let statusesBefore = events.count { $0.isStatus }
        try await events.wait(for: "a status on the new socket") {
          $0.filter(\.isStatus).count > statusesBefore
        }
        #expect(await client.validateConnection())
      }
    }
  }

  @Test func autoReconnectWalksThroughEveryState() async throws {
    try await RestartableMock.with { mock in
      try await ComfyClient.withClient(ClientHarness.configuration(port: mock.port)) { client in
        let events = StreamTracker(client.events())
        let states = StreamTracker(client.stateChanges())
        try await client.connect()
        await mock.stop()
        try await events.wait(for: "two failed attempts while the server is down") {
          $0.filter(\.isReconnecting).count >= 2
        }
        try await mock.start()
        try await events.wait(for: "reconnected") { $0.contains { $0.isReconnected } }
        try await states.wait(for: "the full state sequence") {
          $0 == [.disconnected, .connecting, .connected, .disconnected, .reconnecting, .connected]
        }
      }
    }
  }

  @Test func everyDropStartsANewReconnection() async throws {
    try await RestartableMock.with { mock in
      try await ComfyClient.withClient(ClientHarness.configuration(port: mock.port)) { client in
        let events = StreamTracker(client.events())
        try await client.connect()
        for cycle in 1...4 {
          await mock.stop()
          try await events.wait(for: "disconnect \(cycle)") {
            $0.filter(\.isDisconnected).count == cycle
          }
          try await mock.start()
          try await events.wait(for: "reconnect \(cycle)") {
            $0.filter(\.isReconnected).count == cycle
          }
          #expect(client.connectionState == .connected)
        }
        #expect(await client.validateConnection())
      }
    }
  }

  @Test func givingUpCallsOnReconnectionFailed() async throws {
    try await RestartableMock.with { mock in
      let reported = Mutex<[Int]>([])
      let configuration = ClientHarness.configuration(port: mock.port, maxAttempts: 3)
      try await ComfyClient.withClient(
        configuration,
        onReconnectionFailed: { attempts in reported.withLock { $0.append(attempts) } }
      ) { client in
        let events = StreamTracker(client.events())
        try await client.connect()
        await mock.stop()
        try await events.wait(for: "reconnectionFailed") {
          $0.contains(.reconnectionFailed(attempts: 3))
        }
        #expect(reported.withLock { $0 } == [3])
        #expect(client.connectionState == .failed)
        #expect(events.count { $0.isReconnecting } == 3)

        try await mock.start()
        try await client.reconnect()
        #expect(client.connectionState == .connected)
      }
    }
  }

  @Test func abortStopsTheLoopAndReconnectStartsAgain() async throws {
    try await RestartableMock.with { mock in
      var configuration = ClientHarness.configuration(port: mock.port)
      configuration.reconnectPolicy = ReconnectPolicy(
        maxAttempts: nil, baseDelay: .seconds(2), maxDelay: .seconds(2), jitter: 0)
      try await ComfyClient.withClient(configuration) { client in
        let events = StreamTracker(client.events())
        try await client.connect()
        await mock.stop()
        try await events.wait(for: "a reconnection loop waiting") {
          $0.contains { $0.isReconnecting }
        }
        await client.abortReconnect()
        #expect(client.connectionState == .disconnected)
        try await mock.start()
        // The aborted loop's first attempt was due 2 s after the drop; a reconnect after
        // that would mean the abort did not stop it.
        try await ContinuousClock().sleep(for: .seconds(3))
        #expect(client.connectionState == .disconnected)
        #expect(!events.items.contains { $0.isReconnected })
        try await client.reconnect()
        #expect(client.connectionState == .connected)
      }
    }
  }

  @Test func aPromptCompletesAcrossAReconnect() async throws {
    // The sampler outlasts a reconnection on a loaded machine, so the job is surely still running
    // when the new socket opens.
    try await RestartableMock.with({ $0.slowNodes = ["KSampler": .seconds(5)] }) { mock in
      try await ComfyClient.withClient(ClientHarness.configuration(port: mock.port)) { client in
        try await client.connect()
        let job = try await client.queue(try SampleWorkflows.textToImage(steps: 2))
        // The job's progress is one stream, read here to the end: it must show the resumption.
        let progress = StreamTracker(job.progress)
        try await progress.wait(for: "the sampler running") {
          $0.contains { $0.shows(running: SampleWorkflows.samplerNode) }
        }
        try await client.reconnect()
        let result = try await job.result()
        #expect(
          result.source == .history, "messages may have been missed, so outputs come from /history")
        #expect(!(result.outputs["9"] ?? []).isEmpty)
        try await progress.wait(for: "the job resumed after the reconnect") {
          $0.contains(.resumedAfterReconnect)
        }
      }
    }
  }

  @Test func aPromptForgottenByARestartedServerFailsAsLost() async throws {
    try await RestartableMock.with({ $0.slowNodes = ["KSampler": .seconds(30)] }) { mock in
      try await ComfyClient.withClient(ClientHarness.configuration(port: mock.port)) { client in
        try await client.connect()
        let job = try await SampleWorkflows.queueUntilTheSamplerRuns(on: client)
        await mock.stop()
        try await mock.start()
        await #expect(throws: ComfyClientError.promptLost(promptId: job.promptId)) {
          try await job.result()
        }
      }
    }
  }

  /// With the reconnect-race quirk on, a client that opened its new socket before the server
  /// had dropped the old one would lose the new one again; the client waits for the old socket
  /// to close first, so both variants must end up receiving again.
  @Test(arguments: [false, true])
  func aSocketThatStopsReceivingIsNoticedBySilenceAndReplaced(reconnectRace: Bool) async throws {
    try await RestartableMock.with({ $0.quirks = reconnectRace ? [.reconnectRace] : [] }) { mock in
      // Eight broadcast intervals of silence: a loaded machine can delay a broadcast or two.
      let configuration = ClientHarness.racer(port: mock.port, silenceTimeout: .seconds(2))
      try await ComfyClient.withClient(configuration) { client in
        let events = StreamTracker(client.events())
        try await client.connect()
        try await events.wait(for: "a status broadcast") { $0.filter(\.isStatus).count >= 2 }
        let beforeTheft = events.count
        // A second socket with the same clientId takes over the server's routing, as in
        // ComfyUI's reconnect race: the first socket stays open, but the server no longer
        // sends it anything.
        let thief = ClientHarness.racer(port: mock.port, autoReconnect: false, silenceTimeout: nil)
        try await ComfyClient.withClient(thief) { other in try await other.connect() }
        try await events.wait(for: "a disconnect by silence after the theft") {
          $0.dropFirst(beforeTheft).contains(.disconnected(.silence(.seconds(2))))
        }
        try await events.wait(for: "reconnected") {
          $0.dropFirst(beforeTheft).contains { $0.isReconnected }
        }
        let statuses = events.count { $0.isStatus }
        try await events.wait(for: "status broadcasts again") {
          $0.filter(\.isStatus).count > statuses + 2
        }
        let reasons = events.items.compactMap(\.disconnectReason)
        #expect(
          reasons.allSatisfy { $0 == .silence(.seconds(2)) }, "disconnected because \(reasons)")
      }
    }
  }

  /// ComfyUI #16010 as it happens: an old socket with our clientId closes after our socket
  /// registered. With the quirk the server drops our registration and our socket goes silent
  /// while staying open; the client must notice and reconnect. Without it nothing happens.
  @Test(arguments: [true, false])
  func theReconnectRaceIsDetectedAndRepaired(quirk: Bool) async throws {
    try await RestartableMock.with({ $0.quirks = quirk ? [.reconnectRace] : [] }) { mock in
      // The old socket must still be open when it is destroyed, or there is no race.
      let old = ClientHarness.racer(port: mock.port, autoReconnect: false, silenceTimeout: nil)
      // Eight broadcast intervals of silence before the client gives up on a socket: a loaded
      // machine can delay a broadcast or two, but not eight.
      let configuration = ClientHarness.racer(port: mock.port, silenceTimeout: .seconds(2))
      try await ComfyClient.withClient(old) { oldClient in
        try await oldClient.connect()
        try await ComfyClient.withClient(configuration) { client in
          let events = StreamTracker(client.events())
          try await client.connect()
          try await events.wait(for: "a status broadcast") { $0.filter(\.isStatus).count >= 2 }
          await oldClient.destroy()
          if quirk {
            try await events.wait(for: "a disconnect by silence") {
              $0.contains(.disconnected(.silence(.seconds(2))))
            }
            try await events.wait(for: "reconnected") { $0.contains { $0.isReconnected } }
          }
          // Sixteen more broadcasts (4 s at 250 ms) outlast the 2 s silence deadline twice over.
          let statuses = events.count { $0.isStatus }
          try await events.wait(for: "status broadcasts on a live socket") {
            $0.filter(\.isStatus).count >= statuses + 16
          }
          let reasons = events.items.compactMap(\.disconnectReason)
          #expect(
            reasons == (quirk ? [.silence(.seconds(2))] : []), "disconnected because \(reasons)")
          #expect(client.connectionState == .connected)
        }
      }
    }
  }
}
