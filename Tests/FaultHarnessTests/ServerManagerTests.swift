import ChildProcess
import ComfyClient
import FaultHarness
import FaultProxy
import Foundation
import Testing

/// The process side of the harness on real `faultline mock` processes: start, stop, kill, pause,
/// restart on the same port, and clean-up.
@Suite struct ServerManagerTests {
  @Test func startStopAndKillEndTheProcessTheWayTheyShould() async throws {
    try await ServerManager.with { manager in
      let first = try await manager.start()
      let second = try await manager.start()
      #expect(first.port != second.port)
      // Picked below the ephemeral range, where no outgoing connection can take it during a restart.
      let ephemeral = try #require(RestartablePort.ephemeralRange())
      #expect(!ephemeral.contains(first.port), "port \(first.port)")
      #expect(await manager.isRunning(port: first.port))
      #expect(await manager.server(port: second.port)?.pid == second.pid)
      #expect(try await answers(first.baseURL))

      // SIGTERM: the mock closes its sockets and exits 0.
      #expect(try await manager.stop(port: first.port) == .exited(code: 0))
      #expect(await !manager.isRunning(port: first.port))
      #expect(try await !answers(first.baseURL))

      #expect(try await manager.kill(port: second.port) == .signaled(signal: SIGKILL))
      #expect(await manager.server(port: second.port) == nil)
      await #expect(throws: ServerManagerError.self) { try await manager.stop(port: second.port) }
    }
  }

  @Test func aPausedServerDoesNotAnswerUntilItIsResumed() async throws {
    try await ServerManager.with { manager in
      let server = try await manager.start()
      try await manager.pause(port: server.port)
      // Every thread is stopped once pause returns, not merely signalled.
      let threads = ProcessTable.threadStates(of: server.pid)
      #expect(!threads.isEmpty && threads.allSatisfy { $0 == "T" }, "thread states \(threads)")
      #expect(await manager.isRunning(port: server.port), "a stopped process is still running")
      #expect(try await !answers(server.baseURL, timeout: .milliseconds(500)))
      try await manager.resume(port: server.port)
      #expect(try await answers(server.baseURL))
    }
  }

  @Test(arguments: [ServerManager.StopMethod.terminate, .kill])
  func restartStartsANewProcessOnTheSamePort(method: ServerManager.StopMethod) async throws {
    try await ServerManager.with { manager in
      let old = try await manager.start()
      let new = try await manager.restart(
        port: old.port, after: .milliseconds(100), stopping: method)
      #expect(new.port == old.port)
      #expect(new.pid != old.pid)
      #expect(!old.process.isRunning)
      #expect(
        old.process.exitStatus
          == (method == .kill ? .signaled(signal: SIGKILL) : .exited(code: 0)))
      #expect(try await answers(new.baseURL))
    }
  }

  @Test func stopAllEndsEveryServerAndRemovesTheirFiles() async throws {
    let manager = try ServerManager()
    let servers = [try await manager.start(), try await manager.start()]
    try await manager.pause(port: servers[1].port)
    #expect(FileManager.default.fileExists(atPath: manager.outputDirectory.path))
    await manager.stopAll()
    for server in servers {
      #expect(!server.process.isRunning)
      #expect(await !manager.isRunning(port: server.port))
    }
    #expect(!FileManager.default.fileExists(atPath: manager.outputDirectory.path))
  }

  @Test func aServerThatCannotStartReportsWhatItPrinted() async throws {
    let options = MockServerOptions(extraArguments: ["--quirk", "no-such-quirk"])
    try await ServerManager.with(options: options) { manager in
      let error = await #expect(throws: ServerManagerError.self) { try await manager.start() }
      #expect(String(describing: error).contains("no-such-quirk"), "\(String(describing: error))")
    }
  }

  @Test func aPortHeldByAnotherServerFailsTheStartNamingTheProblem() async throws {
    var options = TestSupport.mockOptions()
    options.portRetryWindow = .seconds(1)
    try await ServerManager.with(options: options) { manager in
      let holder = try await manager.start()
      // Not a restart: the port stays taken, so the retries run out and the error says why.
      await #expect(throws: ServerManagerError.alreadyRunning(port: holder.port)) {
        try await manager.start(port: holder.port)
      }
      try await ServerManager.with(options: options) { other in
        let error = await #expect(throws: ServerManagerError.self) {
          try await other.start(port: holder.port)
        }
        #expect(
          String(describing: error).contains("Address already in use"),
          "\(String(describing: error))")
      }
    }
  }

  /// True when `GET /prompt` answers 200 within `timeout`.
  private func answers(_ baseURL: URL, timeout: Duration = .seconds(3)) async throws -> Bool {
    var configuration = ComfyClientConfiguration.fastRecovery(baseURL: baseURL)
    configuration.requestTimeout = timeout
    return try await ComfyClient.withClient(configuration) { client in
      await client.validateConnection()
    }
  }
}

/// `MockServerOptions.objectInfo` reaches the spawned `faultline mock` (and with it `up` and `compare`).
@Suite struct MockNodeSetTests {
  @Test func theServersNodeClassesComeFromTheGivenDump() async throws {
    let folder = try ScratchDirectory.create(prefix: "faultline-dump-test")
    defer { try? FileManager.default.removeItem(at: folder) }
    let dump = folder.appendingPathComponent("nodes.json")
    try Data(
      #"{"OnlyNode": {"input": {"required": {"images": ["IMAGE"]}}, "output": [], "output_node": true}}"#
        .utf8
    ).write(to: dump)
    var options = TestSupport.mockOptions()
    options.objectInfo = dump.path
    try await TestSupport.withServer(options) { _, server in
      let info = try await HTTPProbe.request("GET", "/object_info", port: server.port)
      #expect(info.object.map { Array($0.keys) } == ["OnlyNode"])
    }
  }
}
