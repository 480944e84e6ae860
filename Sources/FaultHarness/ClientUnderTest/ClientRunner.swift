import ChildProcess
import ComfyClient
import FaultProxy
import FaultlineLocking
import FaultlineScope
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

  /// Whether `abandonRuns` was called: a run that ended since ended because of it.
  public static var runsWereAbandoned: Bool { abandoned.withLock { $0 } }
  private static let abandoned = Locked(false)

  /// The directories of runs under way (servers' files and event logs).
  private static let liveDirectories = Locked<Set<URL>>([])

  /// For a process about to exit on a signal, whose runs will not finish: stops every client's
  /// process group and removes the runs' files (the servers exit by themselves with this process).
  public static func abandonRuns() {
    // Set before the clients are stopped: a run that ends because its client was stopped sees it.
    abandoned.withLock { $0 = true }
    ClientProcess.stopEveryClient()
    let directories = liveDirectories.withLock { directories in
      defer { directories.removeAll() }
      return directories
    }
    // The run's server may still be writing into its directory (it ends only when we exit), and a
    // file created during the removal makes the last rmdir fail: try again for a moment.
    for directory in directories {
      for _ in 0..<40 {
        try? FileManager.default.removeItem(at: directory)
        guard FileManager.default.fileExists(atPath: directory.path) else { break }
        usleep(25_000)
      }
    }
  }

  /// One run of one scenario.
  public func measure(_ scenario: RecoveryScenario, run: Int) async throws(ClientRunError)
    -> ClientMeasurement
  {
    let directory: URL
    do {
      directory = try ScratchDirectory.create(prefix: "faultline-client-run")
    } catch {
      throw .serverFailed("cannot set up the run: \(error)")
    }
    Self.liveDirectories.withLock { _ = $0.insert(directory) }
    defer {
      try? FileManager.default.removeItem(at: directory)
      Self.liveDirectories.withLock { _ = $0.remove(directory) }
    }
    let servers: ServerManager
    let proxies: ProxyManager
    do {
      servers = try ServerManager(options: mockOptions, parentDirectory: directory)
      proxies = try ProxyManager(seed: seed &+ UInt64(run))
    } catch {
      throw .serverFailed("cannot set up the run: \(error)")
    }
    return try await withCleanup(
      (servers, proxies),
      cleanup: { _ in
        await servers.stopAll()
        await proxies.shutdown()
      }
    ) { _ throws(ClientRunError) in
      try await measure(
        scenario, run: run, servers: servers, proxies: proxies, eventsPath: servers.eventsPath)
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
    return try await withCleanup(
      client,
      cleanup: { client in
        await client.stop()
        await observer.stop()
      }
    ) { client throws(ClientRunError) in
      try await observe(
        scenario, run: run, client: client, observer: observer, servers: servers,
        serverPort: server.port, proxies: proxies)
    }
  }
}
