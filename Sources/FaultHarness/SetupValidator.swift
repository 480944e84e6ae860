import ComfyClient
import FaultProxy
import Foundation

/// Checks a whole Faultline set-up end to end, on real processes and sockets: the mock server
/// starts, answers every route, speaks WebSocket and broadcasts status, stops and restarts, a
/// client reconnects through the proxy under a fault, and nothing is left behind.
///
/// Steps run in order and each is reported; a failing step does not hide the ones after it,
/// except where they cannot run without it.
public struct SetupValidator: Sendable {
  /// One line of the checklist.
  public struct Step: Sendable, Equatable {
    public let name: String
    public let passed: Bool
    /// What was seen (on success) or what went wrong.
    public let detail: String
  }

  public var options: MockServerOptions

  public init(
    options: MockServerOptions = MockServerOptions(
      nodeTime: .milliseconds(50), statusInterval: .milliseconds(250))
  ) {
    self.options = options
  }

  /// Runs every step; `report` sees each as soon as it is done.
  public func run(report: @escaping @Sendable (Step) -> Void = { _ in }) async -> [Step] {
    let steps = StepLog(report: report)
    let manager: ServerManager
    do {
      manager = try ServerManager(options: options)
    } catch {
      steps.fail("harness set-up", "\(error)")
      return steps.all
    }
    await checkAll(manager, steps)
    await manager.stopAll()
    let leftovers = await manager.runningServers
    let filesRemoved = !FileManager.default.fileExists(atPath: manager.outputDirectory.path)
    steps.check(
      "clean-up: no server process left, files removed",
      leftovers.isEmpty && steps.spawned.allSatisfy { !$0.isRunning } && filesRemoved,
      "\(steps.spawned.count) processes reaped, \(manager.outputDirectory.path) "
        + (filesRemoved ? "removed" : "still present"))
    return steps.all
  }

  private func checkAll(_ manager: ServerManager, _ steps: StepLog) async {
    let server: ServerInstance
    do {
      server = try await manager.start()
      steps.track(server.process)
      steps.pass(
        "server starts and prints its ready line", "port \(server.port), pid \(server.pid)")
    } catch {
      steps.fail("server starts and prints its ready line", "\(error)")
      return
    }
    await RouteChecks.run(port: server.port, steps)
    await checkWebSocket(server, manager, steps)
    await checkRestart(server, manager, steps)
    await checkReconnectThroughProxy(server.port, manager, steps)
  }

  private func checkWebSocket(_ server: ServerInstance, _ manager: ServerManager, _ steps: StepLog)
    async
  {
    do {
      try await ComfyClient.withClient(.fastRecovery(baseURL: server.baseURL, autoReconnect: false))
      { client in
        let events = trackEvents(client)
        try await client.connect()
        let greeting = try await events.waitForItem("the status greeting", timeout: .seconds(5)) {
          $0.isStatus
        }
        guard case .status(let greetingStatus) = greeting.serverMessage,
          let sid = greetingStatus.sessionId
        else {
          throw SetupProblem("the first status message has no sid: \(greeting)")
        }
        steps.pass("WebSocket /ws opens and greets with status", "sid \(sid)")
        let before = events.count(where: \.isStatus)
        try await events.wait(
          for: "periodic status broadcasts", timeout: options.statusInterval * 8
        ) {
          $0.filter(\.isStatus).count >= before + 2
        }
        steps.pass("status messages arrive periodically", "every \(options.statusInterval)")
        let job = try await client.queue(try SampleWorkflows.textToImage())
        let result = try await withDeadline(.seconds(15), "the prompt's result") {
          try await job.result()
        }
        let images = result.outputs[SampleWorkflows.outputNode] ?? []
        guard !images.isEmpty else { throw SetupProblem("the prompt finished without images") }
        steps.pass("a prompt runs to completion over the WebSocket", "\(images.count) image(s)")
        let closed = trackEvent(client, \.isDisconnected)
        let status = try await manager.stop(port: server.port)
        let drop = try await closed.waitForItem("the client told of the stop", timeout: .seconds(5))
        {
          $0.isDisconnected
        }
        guard status == .exited(code: 0) else {
          throw SetupProblem("SIGTERM: the server \(status)")
        }
        steps.pass(
          "server stops on SIGTERM",
          "\(status); client saw \(drop.disconnectReason.map { "\($0)" } ?? "?")")
      }
    } catch {
      steps.fail("WebSocket, status messages, prompt and stop", "\(error)")
    }
  }

  private func checkRestart(_ server: ServerInstance, _ manager: ServerManager, _ steps: StepLog)
    async
  {
    do {
      if await manager.isRunning(port: server.port) { try await manager.stop(port: server.port) }
      let restarted = try await manager.start(port: server.port)
      steps.track(restarted.process)
      let answer = try await HTTPProbe.request("GET", "/prompt", port: restarted.port)
      guard answer.status == 200 else { throw SetupProblem("GET /prompt: HTTP \(answer.status)") }
      steps.pass(
        "server restarts on the same port", "port \(restarted.port), new pid \(restarted.pid)")
    } catch {
      steps.fail("server restarts on the same port", "\(error)")
    }
  }

  private func checkReconnectThroughProxy(_ port: Int, _ manager: ServerManager, _ steps: StepLog)
    async
  {
    let name = "client reconnects through the proxy under a fault (50 ms latency, SIGKILL, restart)"
    do {
      try await ProxyManager.with { proxies in
        try await proxies.addProxy(
          upstreamPort: port,
          faults: [FaultSpec(name: "latency", kind: LatencyFault(delay: .milliseconds(50)))])
        let configuration = ComfyClientConfiguration.fastRecovery(
          baseURL: try proxies.baseURL(), pingInterval: .seconds(1), silenceTimeout: .seconds(3))
        try await ComfyClient.withClient(configuration) { client in
          let events = trackEvents(client)
          try await client.connect()
          let restarted = try await manager.restart(
            port: port, after: .milliseconds(300), stopping: .kill)
          steps.track(restarted.process)
          try await events.waitForItem("the reconnected event", timeout: .seconds(10)) {
            $0.isReconnected
          }
          guard await client.validateConnection() else {
            throw SetupProblem("reconnected, but GET /queue through the proxy failed")
          }
          let job = try await client.queue(try SampleWorkflows.textToImage())
          _ = try await withDeadline(.seconds(15), "a prompt after the reconnect") {
            try await job.result()
          }
          steps.pass(name, "\(events.count(where: \.isReconnecting)) attempt(s), prompt completed")
        }
      }
    } catch {
      steps.fail(name, "\(error)")
    }
  }
}

/// A check that did not hold, in words.
struct SetupProblem: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
