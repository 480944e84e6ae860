import FaultlineJSON

/// The mock servers a control API can start, stop, kill, pause, resume and restart (the
/// `/faultline/servers` routes). `faultline up` plugs in the harness's `ServerManager`; the API
/// itself knows nothing of processes. Methods throw `ServerLifeError`, which the routes turn into
/// 404, 409 and 500.
public protocol ServerLifeControl: Sendable {
  /// Starts a server on `port` (0 picks a free one) and returns it once it is ready.
  func startServer(port: Int) async throws -> ServerStatus
  /// SIGTERM, then SIGKILL after the grace period.
  func stopServer(port: Int) async throws -> ServerStatus
  /// SIGKILL.
  func killServer(port: Int) async throws -> ServerStatus
  /// SIGSTOP: the process freezes with its sockets open.
  func pauseServer(port: Int) async throws -> ServerStatus
  /// SIGCONT.
  func resumeServer(port: Int) async throws -> ServerStatus
  /// Ends the server, waits `delay`, and starts a new process on the same port.
  func restartServer(port: Int, delay: Duration, stopping: ServerStopMethod) async throws
    -> ServerStatus
  /// Stops every server.
  func stopAllServers() async
  /// Every managed server, by port.
  func serverStatuses() async -> [ServerStatus]
  /// One server.
  func serverStatus(port: Int) async throws -> ServerStatus
  /// Arms `action` for `moment` on the server on `port` and returns at once; the action happens
  /// when the moment comes (or is given up after `timeout`).
  func armServer(port: Int, action: ServerAction, at moment: ServerMoment, timeout: Duration)
    async throws -> ServerStatus
  /// What the servers did (`faultline mock --events` lines: sessions, messages, requests) from
  /// byte `offset` of their event file on.
  func serverEvents(after offset: Int) async -> ServerEvents
}

/// A page of the servers' event lines, and where the next page starts.
public struct ServerEvents: Sendable, Encodable, Equatable {
  public var events: [JSONValue]
  /// The offset to ask for next (`?after=`).
  public var next: Int

  public init(events: [JSONValue], next: Int) {
    self.events = events
    self.next = next
  }
}

/// How a restart ends the old process.
public enum ServerStopMethod: String, Sendable, CaseIterable {
  /// SIGTERM, then SIGKILL after the grace period.
  case terminate
  /// SIGKILL at once.
  case kill
}

/// What the API says about one server.
public struct ServerStatus: Sendable, Encodable, Equatable {
  public var port: Int
  public var pid: Int32
  /// True while the process exists (a paused one counts as running).
  public var running: Bool
  /// True between a pause and a resume.
  public var paused: Bool
  /// `http://127.0.0.1:PORT`, the server without the proxy.
  public var url: String
  /// How the process ended, once it has (`exited with code 0`, `killed by signal 9`).
  public var exit: String?

  public init(port: Int, pid: Int32, running: Bool, paused: Bool, exit: String? = nil) {
    self.port = port
    self.pid = pid
    self.running = running
    self.paused = paused
    url = "http://127.0.0.1:\(port)"
    self.exit = exit
  }
}

/// Why a server operation failed, with the HTTP status the API answers.
public enum ServerLifeError: Error, Sendable, Equatable, CustomStringConvertible {
  /// No server is managed on that port (404).
  case notFound(port: Int)
  /// A server already runs on that port (409).
  case alreadyRunning(port: Int)
  /// The process did not get ready (500), with what it said.
  case startFailed(String)

  public var description: String {
    switch self {
    case .notFound(let port): "no server is managed on port \(port)"
    case .alreadyRunning(let port): "a server is already running on port \(port)"
    case .startFailed(let reason): reason
    }
  }
}
