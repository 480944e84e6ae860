import ComfyClient
import FaultProxy
import FaultlineLocking
import Foundation

/// Runs recovery scenarios against any client program (`faultline compare --client CMD`) and
/// measures it from outside: the proxy's view of its TCP connections, the mock server's view of its
/// WebSocket sessions, prompts and requests, plus whatever JSON lines it prints itself.
///
/// Each run starts from scratch: a new server process (writing its event file), a proxy, and the
/// client's command with the proxy's URL. Once the client has a session (and a prompt running, if
/// it submits any), the failure is injected, and the runner watches for the client's reaction.
public struct ClientRunner: Sendable {
  /// The client's command line (`{url}` is replaced by the proxy's URL, also in `COMFY_URL`).
  public var command: String
  public var runs: Int
  public var mockOptions: MockServerOptions
  /// Base seed of the proxy's decisions; run N uses `seed + N`.
  public var seed: UInt64
  /// Ports of the proxy and the server (0: free ones).
  public var proxyPort: Int
  public var serverPort: Int
  /// How long the client may take to open its first WebSocket session.
  public var connectDeadline: Duration
  /// How long to wait for a prompt of the client's to run before injecting the failure anyway.
  public var promptDeadline: Duration
  /// How long after the cause's end a new session may come.
  public var recoveryDeadline: Duration
  /// How long the client is watched after it recovered (its /history and /queue reads, prompts).
  public var settleTime: Duration
  /// Told about each finished run, e.g. to print progress.
  public var onMeasurement: (@Sendable (ClientMeasurement) -> Void)?

  public init(
    command: String, runs: Int = 1,
    mockOptions: MockServerOptions = MockServerOptions(
      nodeTime: .milliseconds(50), statusInterval: .milliseconds(250),
      slowNodes: ["KSampler": .milliseconds(700)]),
    seed: UInt64 = 1, proxyPort: Int = 0, serverPort: Int = 0,
    connectDeadline: Duration = .seconds(20), promptDeadline: Duration = .seconds(10),
    recoveryDeadline: Duration = .seconds(15), settleTime: Duration = .seconds(1),
    onMeasurement: (@Sendable (ClientMeasurement) -> Void)? = nil
  ) {
    self.command = command
    self.runs = runs
    self.mockOptions = mockOptions
    self.seed = seed
    self.proxyPort = proxyPort
    self.serverPort = serverPort
    self.connectDeadline = connectDeadline
    self.promptDeadline = promptDeadline
    self.recoveryDeadline = recoveryDeadline
    self.settleTime = settleTime
    self.onMeasurement = onMeasurement
  }

  /// Every scenario `runs` times, one run at a time. Stops at the first run whose set-up fails
  /// (the client does not start or connect, the server or proxy cannot start).
  public func run(_ scenarios: [RecoveryScenario]) async throws(ClientRunError) -> ClientReport {
    var measurements: [ClientMeasurement] = []
    for scenario in scenarios {
      for run in 1...max(runs, 1) {
        let measurement = try await measure(scenario, run: run)
        onMeasurement?(measurement)
        measurements.append(measurement)
      }
    }
    return ClientReport(
      command: command, scenarios: scenarios, measurements: measurements, runs: max(runs, 1),
      seed: seed)
  }

  /// The directories of runs under way (servers' files and event logs).
  private static let liveDirectories = Locked<Set<URL>>([])

  /// For a process about to exit on a signal, whose runs will not finish: stops every client's
  /// process group and removes the runs' files (the servers exit by themselves with this process).
  public static func abandonRuns() {
    ClientProcess.stopEveryClient()
    let directories = liveDirectories.withLock { directories in
      defer { directories.removeAll() }
      return directories
    }
    for directory in directories { try? FileManager.default.removeItem(at: directory) }
  }

  /// One run of one scenario.
  public func measure(_ scenario: RecoveryScenario, run: Int) async throws(ClientRunError)
    -> ClientMeasurement
  {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "faultline-client-run-\(UUID().uuidString)")
    Self.liveDirectories.withLock { _ = $0.insert(directory) }
    defer {
      try? FileManager.default.removeItem(at: directory)
      Self.liveDirectories.withLock { _ = $0.remove(directory) }
    }
    let servers: ServerManager
    let proxies: ProxyManager
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      servers = try ServerManager(options: mockOptions, parentDirectory: directory)
      proxies = try ProxyManager(seed: seed &+ UInt64(run))
    } catch {
      throw .serverFailed("cannot set up the run: \(error)")
    }
    do {
      let measurement = try await measure(
        scenario, run: run, servers: servers, proxies: proxies, eventsPath: servers.eventsPath)
      await servers.stopAll()
      await proxies.shutdown()
      return measurement
    } catch {
      await servers.stopAll()
      await proxies.shutdown()
      throw error
    }
  }

  private func measure(
    _ scenario: RecoveryScenario, run: Int, servers: ServerManager, proxies: ProxyManager,
    eventsPath: String
  ) async throws(ClientRunError) -> ClientMeasurement {
    let server: ServerInstance
    do {
      server = try await servers.start(port: serverPort)
    } catch {
      throw .serverFailed("\(error)")
    }
    let proxyURL: String
    do {
      let info = try await proxies.engine.addProxy(
        ProxyConfiguration(
          name: "comfy", listen: try SocketAddress(host: "127.0.0.1", port: UInt16(proxyPort)),
          upstream: try SocketAddress(host: "127.0.0.1", port: UInt16(server.port))))
      proxyURL = "http://127.0.0.1:\(info.listen.port)"
    } catch {
      throw .proxyFailed("the proxy cannot listen on 127.0.0.1:\(proxyPort): \(error)")
    }
    let observer = OutsideObserver(engine: proxies.engine, eventsPath: eventsPath)
    observer.start()
    let client: ClientProcess
    do {
      client = try ClientProcess(command: command, url: proxyURL)
    } catch {
      await observer.stop()
      throw .clientFailed("cannot run the client `\(command)`: \(error)")
    }
    observer.watch(client)
    do {
      let measurement = try await observe(
        scenario, run: run, client: client, observer: observer, servers: servers,
        serverPort: server.port, proxies: proxies)
      await client.stop()
      await observer.stop()
      return measurement
    } catch {
      await client.stop()
      await observer.stop()
      throw error
    }
  }

  private func observe(
    _ scenario: RecoveryScenario, run: Int, client: ClientProcess, observer: OutsideObserver,
    servers: ServerManager, serverPort: Int, proxies: ProxyManager
  ) async throws(ClientRunError) -> ClientMeasurement {
    // Connected: the server sees a WebSocket session.
    let connectLimit = observer.now() + connectDeadline.inSeconds
    while observer.first(after: 0, where: Self.isSessionOpen) == nil {
      if let status = client.exitStatus {
        throw .clientFailed(
          "the client `\(command)` \(status) before it connected"
            + (client.lastErrorLine.isEmpty ? "" : ": \(client.lastErrorLine)"))
      }
      if observer.now() > connectLimit {
        throw .neverConnected(command: command, seconds: connectDeadline.inSeconds)
      }
      try? await Task.sleep(for: .milliseconds(10))
    }
    // A prompt of the client's running, if it submits any.
    let promptLimit = observer.now() + promptDeadline.inSeconds
    while observer.first(after: 0, where: Self.isPromptStart) == nil, observer.now() < promptLimit,
      client.exitStatus == nil
    {
      try? await Task.sleep(for: .milliseconds(10))
    }
    let (noticeStream, noticeContinuation) = AsyncStream<ComfyEvent>.makeStream()
    let notices = EventTracker(noticeStream)
    let context = FailureContext(
      servers: servers, serverPort: serverPort, proxies: proxies, clock: ScenarioClock(),
      events: notices)
    var error: String?
    do {
      try await scenario.moment?(context)
    } catch let failure {
      error = "the moment never came: \(failure)"
    }
    let failedAt = observer.now()
    let noticeTask = Task {
      while !Task.isCancelled {
        // A failure that waits for the client's reaction (a reset) ends at its first attempt.
        if observer.first(
          after: failedAt, where: { Self.isNoticeSign($0) || $0.kind == "tcp_open" })
          != nil
        {
          noticeContinuation.yield(.disconnected(.connectionLost("seen from outside")))
          break
        }
        try? await Task.sleep(for: .milliseconds(5))
      }
      noticeContinuation.finish()
    }
    do {
      if error == nil { try await scenario.inject(context) }
    } catch let failure {
      error = "the failure could not be injected: \(failure)"
    }
    let causeEndedAt = observer.now()
    noticeTask.cancel()
    let recoveryLimit = causeEndedAt + recoveryDeadline.inSeconds
    var recoveredAt: Double?
    while observer.now() < recoveryLimit, client.exitStatus == nil {
      if let session = observer.first(after: failedAt, where: Self.isSessionOpen) {
        recoveredAt = session.time
        break
      }
      try? await Task.sleep(for: .milliseconds(10))
    }
    // The prompt that ran at the failure gets its chance to finish (or its server is replaced).
    if let running = ClientMeasurement.runningPrompt(
      observer.events.filter { $0.time < failedAt })
    {
      let limit = observer.now() + promptDeadline.inSeconds
      while observer.now() < limit {
        let after = observer.events.filter { $0.time >= failedAt && $0.source == .server }
        if after.contains(where: {
          ClientMeasurement.isPromptEnd($0) && $0.promptID == running.promptID
        }) || after.contains(where: { $0.pid != nil && $0.pid != running.pid }) {
          break
        }
        try? await Task.sleep(for: .milliseconds(10))
      }
    }
    try? await Task.sleep(for: settleTime)
    let exit = client.exitStatus
    return ClientMeasurement.make(
      scenario: scenario, run: run, events: observer.events, failedAt: failedAt,
      causeEndedAt: causeEndedAt, recoveredAt: recoveredAt, clientExit: exit.map { "\($0)" },
      error: error)
  }

  static func isSessionOpen(_ event: ObservedEvent) -> Bool {
    event.source == .server && event.kind == "ws_open"
  }

  static func isPromptStart(_ event: ObservedEvent) -> Bool {
    event.source == .server && event.kind == "message" && event.detail == "execution_start"
  }

  /// A WebSocket upgrade request (a reconnect attempt) reaching the server, or the client saying
  /// it lost its connection. A new TCP connection alone is no sign: it may be any HTTP request.
  static func isNoticeSign(_ event: ObservedEvent) -> Bool {
    (event.source == .server && event.kind == "http"
      && (event.detail?.hasPrefix("GET /ws ") == true
        || event.detail?.hasPrefix("GET /api/ws ") == true))
      || (event.source == .client && event.kind == "disconnected")
  }
}
