import FaultlineHTTP
import FaultlineLocking
import Foundation
import Logging
import NIOCore
import NIOPosix

/// A ComfyUI client whose reconnection works after any number of drops: it notices dead
/// connections (pings and a silence deadline), reconnects with backoff, and keeps queued
/// prompts alive across reconnects by asking the server what it missed.
///
/// Create it, subscribe to `events()` / `stateChanges()`, call `connect()`, and call
/// `destroy()` when done (it ends every task and socket).
///
/// ```swift
/// let client = try ComfyClient(configuration: .init(baseURL: URL(string: "http://127.0.0.1:8188")!))
/// let events = client.events()
/// try await client.connect()
/// let job = try await client.queue(workflow)
/// for await step in job.progress { print(step) }
/// let outputs = try await job.result().outputs
/// await client.destroy()
/// ```
public actor ComfyClient {
  public nonisolated let configuration: ComfyClientConfiguration

  nonisolated let http: ComfyHTTP
  nonisolated let eventLoopGroup: any EventLoopGroup
  nonisolated let clock: any Clock<Duration>
  nonisolated let randomUnit: @Sendable () -> Double
  nonisolated let reconnectionFailedHandler: (@Sendable (_ attempts: Int) -> Void)?
  nonisolated let eventHub = Broadcaster<ComfyEvent>()
  nonisolated let stateHub = Broadcaster<ConnectionState>()
  nonisolated let stateCell = Locked(ConnectionState.disconnected)

  /// A socket and the task that runs it.
  struct SessionRecord {
    let session: WebSocketSession
    let task: Task<Void, Never>
    /// Resolved when the socket is gone.
    let finished: OneShot<Void>
  }

  var sessions: [Int: SessionRecord] = [:]
  /// Generation of the session that counts; older sessions' messages and ends are ignored.
  var currentGeneration = 0
  var currentSession: WebSocketSession?
  /// Frames of the current session not yet reported.
  var pendingFrames: [WebSocketMessage] = []
  /// The newest generation whose `connected`/`reconnected` event has been emitted.
  var announcedGeneration = 0
  var isDraining = false
  var loops: [Int: Task<ReconnectLoop.Outcome, Never>] = [:]
  var activeLoopID: Int?
  var nextLoopID = 0
  var jobs: [String: ComfyJob] = [:] {
    didSet {
      let busy = !jobs.isEmpty
      busySince.withLock { since in since = busy ? (since ?? .now) : nil }
    }
  }
  /// Since when this client has had a job waiting for messages; nil while it has none. The silence
  /// deadline counts from here, since a real ComfyUI sends nothing to an idle client.
  nonisolated let busySince = Locked<ContinuousClock.Instant?>(nil)
  var hasConnected = false
  var isDestroyed = false

  /// The session id from the latest `status` message.
  public internal(set) var sessionId: String?
  /// What `connect()` learned about the server.
  public private(set) var serverInfo: ServerInfo?

  /// - Parameters:
  ///   - clock: spaces reconnection attempts; tests pass a manual clock. Health-check retries inside
  ///     one attempt wait in real time, so a slow first answer never waits on a clock nobody moves.
  ///   - randomUnit: values in 0..<1 for the backoff jitter.
  ///   - eventLoopGroup: shared by the HTTP and the WebSocket client.
  ///   - onReconnectionFailed: called with the number of attempts when a reconnection loop gives up.
  public init(
    configuration: ComfyClientConfiguration,
    clock: any Clock<Duration> = ContinuousClock(),
    randomUnit: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    onReconnectionFailed: (@Sendable (_ attempts: Int) -> Void)? = nil
  ) throws(ComfyClientError) {
    try configuration.validate()
    self.configuration = configuration
    self.clock = clock
    self.randomUnit = randomUnit
    self.eventLoopGroup = eventLoopGroup
    self.reconnectionFailedHandler = onReconnectionFailed
    // A connection per request and no retries of its own: the client has its health-check
    // retries and backoff, and a pool's retry of a refused connection would hide a dead server.
    self.http = ComfyHTTP(
      requester: HTTPRequester(
        eventLoopGroup: eventLoopGroup, connectTimeout: configuration.liveness.connectTimeout),
      baseURL: configuration.baseURL, timeout: configuration.requestTimeout)
  }

  // MARK: Observing

  public nonisolated var connectionState: ConnectionState { stateCell.withLock { $0 } }

  /// A new stream of every event from now on; call it once per subscriber.
  public nonisolated func events() -> AsyncStream<ComfyEvent> {
    eventHub.subscribe()
  }

  /// A new stream that starts with the current state, then every change.
  public nonisolated func stateChanges() -> AsyncStream<ConnectionState> {
    stateCell.withLock { current in stateHub.subscribe(initial: [current]) }
  }

  func setState(_ state: ConnectionState) {
    stateCell.withLock { current in
      guard current != state else { return }
      current = state
      stateHub.yield(state)
    }
  }

  func emit(_ event: ComfyEvent) {
    eventHub.yield(event)
  }

  // MARK: Connecting

  /// Checks the server (`GET /prompt` with retries), reads `/system_stats` and `/features`,
  /// then opens the WebSocket. Like comfyui-node's `init()`.
  @discardableResult
  public func connect() async throws(ComfyClientError) -> ServerInfo {
    guard !isDestroyed else { throw .destroyed }
    guard !hasConnected, connectionState != .connecting else { throw .alreadyConnected }
    setState(.connecting)
    do throws(ComfyClientError) {
      try await waitForHealthyServer()
      let stats = try await http.getJSON("/system_stats")
      let features = try? await http.getJSON("/features")
      let info = ServerInfo(systemStats: stats, features: features)
      serverInfo = info
      let generation = try await openSession()
      hasConnected = true
      emit(.connected)
      await deliverFrames(of: generation)
      return info
    } catch {
      if !isDestroyed { setState(.failed) }
      throw error
    }
  }

  private func waitForHealthyServer() async throws(ComfyClientError) {
    let check = configuration.healthCheck
    var lastError = "no attempt made"
    for attempt in 1...check.attempts {
      do throws(ComfyClientError) {
        let response = try await http.send(.GET, "/prompt")
        if response.status == 200 { return }
        lastError = "HTTP \(response.status)"
      } catch {
        lastError = error.description
      }
      guard attempt < check.attempts else { break }
      do { try await ContinuousClock().sleep(for: check.delay) } catch { throw .destroyed }
      guard !isDestroyed else { throw .destroyed }
    }
    throw .serverUnreachable(
      url: configuration.baseURL.absoluteString, attempts: check.attempts, lastError: lastError)
  }

  /// `GET /queue` answered with a valid body: the server is up and serving. Never throws.
  public func validateConnection() async -> Bool {
    guard !isDestroyed else { return false }
    do {
      _ = try await http.queue()
      return true
    } catch {
      return false
    }
  }

  // MARK: Ending

  /// Ends every task and socket, fails unfinished jobs with `.destroyed`, finishes every
  /// stream and shuts the HTTP client down. The client cannot be used afterwards.
  public func destroy() async {
    guard !isDestroyed else { return }
    isDestroyed = true
    let wasConnected = connectionState == .connected
    for loop in loops.values { loop.cancel() }
    for record in sessions.values { record.session.stop() }
    currentSession = nil
    for loop in loops.values { _ = await loop.value }
    let grace = configuration.liveness.closeTimeout * 2
    for record in sessions.values {
      if (try? await withDeadline(grace, { try await record.finished.value })) == nil {
        // A socket whose close handshake does not finish in time is cut (input closed).
        record.task.cancel()
      }
    }
    for job in jobs.values { job.fail(.destroyed) }
    jobs = [:]
    setState(.disconnected)
    if wasConnected { emit(.disconnected(.requested)) }
    eventHub.finish()
    stateHub.finish()
  }
}
