import ChildProcess
import FaultProxy
import FaultlineScope
import Foundation
import ProxyControl

#if canImport(Glibc)
  import Glibc
#endif

/// Starts, stops, kills, pauses and restarts mock ComfyUI servers, each in its own process, so a
/// test can make a server die the way real servers do and check that its client comes back.
///
/// Every server is a `faultline mock` child spawned without a shell. Each holds a pipe whose only
/// write end is in this process, so it exits when this process dies, even by SIGKILL; its files live
/// in a directory that `stopAll()` removes. Use `ServerManager.with` to have both happen however a
/// test ends.
public actor ServerManager {
  public nonisolated let options: MockServerOptions
  /// Where every server of this manager keeps its input, output and temp files.
  public nonisolated let outputDirectory: URL
  /// The event file every server of this manager appends to (`faultline mock --events`): their
  /// sessions, messages and requests, each line with the server's pid.
  public nonisolated var eventsPath: String {
    outputDirectory.appendingPathComponent("server-events.jsonl").path
  }
  private var servers: [Int: ServerInstance] = [:]
  /// Ports whose server was paused and not resumed since.
  private var paused: Set<Int> = []

  /// - Parameter parentDirectory: where the manager makes its own directory; the system temporary
  ///   directory by default. A caller that may be killed before `stopAll()` runs passes a
  ///   directory it removes itself.
  public init(options: MockServerOptions = MockServerOptions(), parentDirectory: URL? = nil) throws
  {
    self.options = options
    outputDirectory = try ScratchDirectory.create(
      prefix: "faultline-harness", in: parentDirectory ?? FileManager.default.temporaryDirectory)
  }

  /// A manager dropped without `stopAll()` still leaves no files (its servers are killed as their
  /// handles go).
  deinit {
    try? FileManager.default.removeItem(at: outputDirectory)
  }

  /// Runs `body` with a new manager, then stops every server and removes their files, whether
  /// `body` returned or threw.
  public static func with<Result: Sendable>(
    options: MockServerOptions = MockServerOptions(),
    _ body: (ServerManager) async throws -> Result
  ) async throws -> Result {
    try await withCleanup(
      try ServerManager(options: options), cleanup: { await $0.stopAll() }, body)
  }

  /// Starts a server on `port` (0 picks a free one) and waits for its ready line. The error of a
  /// server that does not get ready carries everything it printed.
  ///
  /// A free port is picked outside the kernel's ephemeral range (`RestartablePort`), so that no
  /// outgoing connection can take it while the server is down for a restart. A fixed port may still
  /// be held for a moment by a process that just died; while the server says it cannot listen, the
  /// start is retried for `options.portRetryWindow`.
  @discardableResult
  public func start(port: Int = 0) async throws -> ServerInstance {
    if port != 0, let existing = servers[port], existing.process.isRunning {
      throw ServerManagerError.alreadyRunning(port: port)
    }
    let clock = ContinuousClock()
    // Counted from the first refusal, not from the first spawn: on a loaded machine one start of
    // the debug binary alone can outlast the window.
    var retryUntil: ContinuousClock.Instant?
    var picksLeft = 5
    while true {
      let listenPort = port == 0 ? try RestartablePort.pick() : port
      let child = try ManagedChild(
        executable: FaultlineExecutable.url,
        arguments: options.arguments(port: listenPort, outputDirectory: outputDirectory.path)
          + ["--events", eventsPath])
      do {
        let ready = try await child.waitForReadyLine(timeout: options.readyTimeout)
        guard let boundPort = ready.integer("port") else {
          await child.terminate(grace: options.stopGrace)
          throw ServerManagerError.readyLineWithoutPort(line: ready.line)
        }
        let instance = ServerInstance(port: boundPort, process: child)
        servers[boundPort] = instance
        return instance
      } catch ChildProcessError.exitedBeforeReady(_, _, let stderr)
        where port == 0 && listenPort != 0 && stderr.contains("could not listen") && picksLeft > 0
      {
        // Another process bound the picked port between the probe and the server's bind.
        picksLeft -= 1
      } catch ChildProcessError.exitedBeforeReady(_, _, let stderr)
        where port != 0 && stderr.contains("could not listen")
        && clock.now < (retryUntil ?? clock.now.advanced(by: options.portRetryWindow))
      {
        retryUntil = retryUntil ?? clock.now.advanced(by: options.portRetryWindow)
        // The port is most likely still held by the process we just stopped (or by a socket in
        // TIME_WAIT without SO_REUSEADDR); it frees up within moments.
        try await Task.sleep(for: .milliseconds(50))
      } catch let error as ChildProcessError {
        await child.terminate(grace: .milliseconds(100))
        throw ServerManagerError.startFailed(port: port, reason: error.description)
      }
    }
  }

  /// SIGTERM (the server closes its sockets with 1001 and exits), then SIGKILL if it is still
  /// running after the grace period. Returns how it ended.
  @discardableResult
  public func stop(port: Int) async throws -> ExitStatus {
    let server = try managed(port)
    if paused.remove(port) != nil {
      // A frozen process only acts on SIGTERM once it runs again.
      server.process.signal(SIGTERM)
      server.process.signal(SIGCONT)
    }
    let status = await server.process.terminate(grace: options.stopGrace)
    servers[port] = nil
    return status
  }

  /// SIGKILL: the server dies without closing anything, as in a crash or an OOM kill.
  @discardableResult
  public func kill(port: Int) async throws -> ExitStatus {
    let server = try managed(port)
    server.process.signal(SIGKILL)
    paused.remove(port)
    // A SIGKILLed process cannot refuse to die; this wait only covers the reaper's latency.
    let status = await server.process.terminate(grace: .seconds(10))
    servers[port] = nil
    return status
  }

  /// SIGSTOP: the process freezes with its sockets open, so clients see a silent server. Returns
  /// once every thread has stopped, so nothing is answered after it returns.
  public func pause(port: Int) async throws {
    let server = try managed(port)
    guard server.process.signal(SIGSTOP) else { throw ServerManagerError.noServer(port: port) }
    paused.insert(port)
    // A machine too loaded to stop it within the wait still stops it soon after: not an error.
    _ = await server.process.waitUntilStopped()
  }

  /// SIGCONT: a paused server carries on where it stopped.
  public func resume(port: Int) throws {
    let server = try managed(port)
    guard server.process.signal(SIGCONT) else { throw ServerManagerError.noServer(port: port) }
    paused.remove(port)
  }

  /// How `restart` ends the old process: the control API's own type, so the routes and a Swift
  /// test name it alike.
  public typealias StopMethod = ServerStopMethod

  /// Ends the server on `port`, waits until it has fully exited, waits `delay` (the downtime), then
  /// starts a new process on the same port.
  @discardableResult
  public func restart(
    port: Int, after delay: Duration = .zero, stopping method: StopMethod = .terminate
  ) async throws -> ServerInstance {
    if servers[port] != nil {
      switch method {
      case .terminate: try await stop(port: port)
      case .kill: try await kill(port: port)
      }
    }
    if delay > .zero { try await Task.sleep(for: delay) }
    return try await start(port: port)
  }

  /// Stops every server (SIGTERM, then SIGKILL) and removes their files; with `keepingDirectory`,
  /// the manager stays usable for new servers.
  public func stopAll(keepingDirectory: Bool = false) async {
    let all = servers
    servers.removeAll()
    let frozen = paused
    paused.removeAll()
    await withTaskGroup(of: Void.self) { group in
      for (port, server) in all {
        if frozen.contains(port) {
          server.process.signal(SIGTERM)
          server.process.signal(SIGCONT)
        }
        group.addTask { await server.process.terminate(grace: self.options.stopGrace) }
      }
    }
    if !keepingDirectory { try? FileManager.default.removeItem(at: outputDirectory) }
  }

  /// True while the server on `port` runs (a paused one counts as running).
  public func isRunning(port: Int) -> Bool {
    servers[port]?.process.isRunning ?? false
  }

  /// True between `pause(port:)` and `resume(port:)` (or the server's end).
  public func isPaused(port: Int) -> Bool {
    paused.contains(port)
  }

  /// The server on `port`, if this manager runs one there.
  public func server(port: Int) -> ServerInstance? {
    servers[port]
  }

  /// Every server this manager runs, by port.
  public var runningServers: [ServerInstance] {
    servers.values.sorted { $0.port < $1.port }
  }

  private func managed(_ port: Int) throws -> ServerInstance {
    guard let server = servers[port] else { throw ServerManagerError.noServer(port: port) }
    return server
  }
}
