import ComfyClient
import FaultHarness
import Foundation
import Testing

/// The reconnection suite on real processes: the server is stopped, killed and restarted on the
/// same port while a `ComfyClient` is connected to it. Each test fails if reconnection is broken.
@Suite struct ReconnectionTests {
  @Test func manualReconnectionAfterAServerRestart() async throws {
    try await TestSupport.withServer { manager, server in
      let configuration = ComfyClientConfiguration.fastRecovery(
        baseURL: server.baseURL, autoReconnect: false)
      try await ComfyClient.withClient(configuration) { client in
        let events = trackEvents(client)
        try await client.connect()
        try await manager.restart(port: server.port, after: .milliseconds(200))
        try await waitForDisconnection(client)
        // Without auto-reconnect the client must stay down until told otherwise.
        try await events.wait(for: "the drop reported") { $0.contains(where: \.isDisconnected) }
        #expect(client.connectionState == .disconnected)
        #expect(events.count(where: \.isReconnecting) == 0)

        try await client.reconnect()
        #expect(client.connectionState == .connected)
        #expect(await client.validateConnection())
        try await events.wait(for: "a status message from the new process") { items in
          guard let reconnected = items.lastIndex(where: \.isReconnected) else { return false }
          return items[reconnected...].contains(where: \.isStatus)
        }
      }
    }
  }

  @Test func severalManualAttemptsIncludingOneAbortedWhileTheServerIsDown() async throws {
    try await TestSupport.withServer { manager, server in
      let configuration = ComfyClientConfiguration.fastRecovery(
        baseURL: server.baseURL, autoReconnect: false, maxAttempts: 3,
        baseDelay: .milliseconds(500), maxDelay: .seconds(2))
      try await ComfyClient.withClient(configuration) { client in
        let events = trackEvents(client)
        try await client.connect()
        try await manager.kill(port: server.port)
        try await waitForDisconnection(client)

        // 1: the server is down, every attempt fails.
        await #expect(throws: ComfyClientError.reconnectionFailed(attempts: 3)) {
          try await client.reconnect()
        }
        #expect(client.connectionState == .failed)

        // 2: aborted while it waits before its second attempt.
        let attemptsBefore = events.count(where: \.isReconnecting)
        let aborted = Task { try await client.reconnect() }
        try await events.wait(for: "the second loop waiting to retry") {
          $0.filter(\.isReconnecting).count > attemptsBefore
        }
        await client.abortReconnect()
        await #expect(throws: ComfyClientError.reconnectionAborted) { try await aborted.value }
        #expect(client.connectionState == .disconnected)

        // 3: the server is back, the next attempt works.
        try await manager.start(port: server.port)
        try await client.reconnect()
        #expect(client.connectionState == .connected)
        #expect(await client.validateConnection())
        #expect(events.count(where: \.isReconnected) == 1)
      }
    }
  }

  @Test func automaticReconnectionFiresReconnectedAndNotReconnectionFailed() async throws {
    try await TestSupport.withServer { manager, server in
      let failures = Collected<Int>()
      let configuration = ComfyClientConfiguration.fastRecovery(baseURL: server.baseURL)
      try await ComfyClient.withClient(configuration, onReconnectionFailed: { failures.append($0) })
      { client in
        let reconnected = trackEvent(client, \.isReconnected)
        let failed = trackEvent(client, \.isReconnectionFailed)
        try await client.connect()
        try await manager.restart(port: server.port, after: .milliseconds(500))
        try await reconnected.wait(for: "the reconnected event") { !$0.isEmpty }
        #expect(client.connectionState == .connected)
        #expect(await client.validateConnection())
        #expect(!failed.didFire)
        #expect(failures.all.isEmpty)
      }
    }
  }

  @Test func theStatesGoConnectingConnectedDisconnectedReconnectingConnected() async throws {
    try await TestSupport.withServer { manager, server in
      let configuration = ComfyClientConfiguration.fastRecovery(baseURL: server.baseURL)
      try await ComfyClient.withClient(configuration) { client in
        let states = trackStates(client)
        try await client.connect()
        try await manager.restart(port: server.port, after: .milliseconds(300))
        try await states.wait(for: "connected again") { $0.filter { $0 == .connected }.count == 2 }
        // The first state is the one before connect(); the rest is the lifecycle.
        #expect(
          Array(states.items.dropFirst())
            == [.connecting, .connected, .disconnected, .reconnecting, .connected])
      }
    }
  }

  @Test func validateConnectionIsTrueWhileTheServerIsUpAndFalseWhileItIsDown() async throws {
    try await TestSupport.withServer { manager, server in
      let configuration = ComfyClientConfiguration.fastRecovery(
        baseURL: server.baseURL, autoReconnect: false)
      try await ComfyClient.withClient(configuration) { client in
        try await client.connect()
        #expect(await client.validateConnection())
        try await manager.stop(port: server.port)
        #expect(await !client.validateConnection())
        try await manager.start(port: server.port)
        #expect(await client.validateConnection())
      }
    }
  }

  @Test func theReconnectionFailedCallbackGetsTheAttemptCountWhenTheServerStaysDown() async throws {
    try await TestSupport.withServer { manager, server in
      let failures = Collected<Int>()
      let configuration = ComfyClientConfiguration.fastRecovery(
        baseURL: server.baseURL, maxAttempts: 4, maxDelay: .milliseconds(300))
      try await ComfyClient.withClient(configuration, onReconnectionFailed: { failures.append($0) })
      { client in
        let events = trackEvents(client)
        try await client.connect()
        try await manager.kill(port: server.port)
        try await pollUntil("the reconnection-failed callback", lastSeen: { "\(events.items)" }) {
          !failures.all.isEmpty
        }
        #expect(failures.all == [4])
        // The event travels through a stream, so it may land a moment after the callback ran.
        try await events.waitForItem("the reconnectionFailed event") { $0.isReconnectionFailed }
        #expect(events.items.contains(.reconnectionFailed(attempts: 4)))
        #expect(events.count(where: \.isReconnecting) == 4)
        #expect(events.count(where: \.isReconnected) == 0)
        #expect(client.connectionState == .failed)
      }
    }
  }

  @Test func threeConsecutiveRestartCycles() async throws {
    try await TestSupport.withServer { manager, server in
      let configuration = ComfyClientConfiguration.fastRecovery(baseURL: server.baseURL)
      try await ComfyClient.withClient(configuration) { client in
        let events = trackEvents(client)
        try await client.connect()
        var pids: Set<Int32> = [server.pid]
        for cycle in 1...3 {
          let method: ServerManager.StopMethod = cycle == 2 ? .kill : .terminate
          let next = try await manager.restart(
            port: server.port, after: .milliseconds(200), stopping: method)
          pids.insert(next.pid)
          try await events.wait(for: "reconnection \(cycle)") {
            $0.filter(\.isReconnected).count == cycle
          }
          #expect(await client.validateConnection(), "cycle \(cycle)")
        }
        #expect(pids.count == 4, "every restart is a new process")
        #expect(events.count(where: \.isDisconnected) == 3)
        #expect(client.connectionState == .connected)
      }
    }
  }

  @Test func messagesAndPromptsWorkAfterAReconnect() async throws {
    try await TestSupport.withServer { manager, server in
      // The restart closes the socket, so detection needs no pings. Patient liveness instead: the
      // 250 ms pong deadline can drop the new socket mid-prompt on a loaded machine, and the result
      // would come from /history, which this test is not about.
      let configuration = ComfyClientConfiguration.fastRecovery(
        baseURL: server.baseURL, pingInterval: .seconds(2), silenceTimeout: .seconds(5))
      try await ComfyClient.withClient(configuration) { client in
        let events = trackEvents(client)
        try await client.connect()
        try await manager.restart(port: server.port, after: .milliseconds(200))
        try await events.wait(for: "two status broadcasts after the reconnect") { items in
          guard let reconnected = items.lastIndex(where: \.isReconnected) else { return false }
          return items[reconnected...].filter(\.isStatus).count >= 2
        }
        let job = try await client.queue(try SampleWorkflows.textToImage())
        let result = try await job.result()
        #expect(!(result.outputs[SampleWorkflows.outputNode] ?? []).isEmpty)
        #expect(result.source == .events, "nothing was missed on the new connection")
      }
    }
  }

  @Test func aPromptRunningWhenTheServerCrashesFailsWithAClearErrorAfterTheRestart() async throws {
    let options = TestSupport.mockOptions(slowNodes: ["KSampler": .seconds(5)])
    try await TestSupport.withServer(options) { manager, server in
      let configuration = ComfyClientConfiguration.fastRecovery(baseURL: server.baseURL)
      try await ComfyClient.withClient(configuration) { client in
        try await client.connect()
        let job = try await SampleWorkflows.queueUntilTheSamplerRuns(on: client)
        try await manager.restart(port: server.port, stopping: .kill)
        // The new process never heard of the prompt: the client must say so, not wait forever.
        await #expect(throws: ComfyClientError.promptLost(promptId: job.promptId)) {
          try await withDeadline(.seconds(10), "the lost prompt's outcome") {
            try await job.result()
          }
        }
      }
    }
  }
}
