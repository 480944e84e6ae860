import FaultlineLocking
import FaultlineServing
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// A ComfyUI-compatible server (HTTP and WebSocket) with scripted executions, runnable in-process by
/// tests and the harness, or as its own process through `faultline mock`.
public final class MockServer: Sendable {
  /// Errors starting the server.
  public enum StartError: Error, Equatable, CustomStringConvertible {
    case alreadyStarted
    case bindFailed(host: String, port: Int, underlying: String)
    case remoteNotAllowed(host: String)

    public var description: String {
      switch self {
      case .alreadyStarted: "the mock server was already started"
      case .remoteNotAllowed(let host):
        "the mock would listen on \(host), which is not a loopback address; other machines could upload files to it and read its outputs. Pass --allow-remote to allow it"
      case .bindFailed(let host, let port, let underlying):
        "could not listen on \(host):\(port): \(underlying)"
      }
    }
  }

  public let configuration: MockServerConfiguration

  private struct Running {
    let inFlight: InFlightRequests
    let runTask: Task<Void, Never>
    let listener: any Channel
    let background: [Task<Void, Never>]
    let store: OutputStore
    let sessions: SessionRegistry
    let queue: PromptQueue
  }

  private let running = Locked<Running?>(nil)
  private let started = Locked(false)

  public init(configuration: MockServerConfiguration = .init()) {
    self.configuration = configuration
  }

  /// Binds the listener and starts serving; returns the bound port (the real one when `port` is 0).
  /// A server starts once: to restart (as a real restart would, with empty history), make a new one.
  public func start() async throws -> Int {
    guard
      started.withLock({ value in
        defer { value = true }
        return !value
      })
    else { throw StartError.alreadyStarted }
    let configuration = self.configuration
    try configuration.checkListenAddress()
    let store = try OutputStore(parent: configuration.outputParentDirectory)
    let sessions = SessionRegistry(reconnectRace: configuration.quirks.contains(.reconnectRace))
    let queue = PromptQueue(sessions: sessions)
    let executor = PromptExecutor(
      queue: queue, sessions: sessions, store: store, configuration: configuration)
    let routes = MockRoutes(
      configuration: configuration, queue: queue, executor: executor, store: store)
    let webSocket = MockWebSocket(sessions: sessions, maxUploadSize: configuration.maxUploadSize)

    let router = Router(context: MockRequestContext.self)
    let inFlight = InFlightRequests()
    router.add(middleware: InFlightMiddleware(requests: inFlight))
    router.add(middleware: OriginCheckMiddleware())
    router.add(
      middleware: DeclaredBodyLimitMiddleware(limit: configuration.maxUploadSize) { declared in
        HTTPError(
          .contentTooLarge,
          message:
            "Maximum request body size \(configuration.maxUploadSize) exceeded, actual body size \(declared)"
        )
      })
    router.add(middleware: MockEventMiddleware())
    router.add(middleware: NotFoundMiddleware())
    router.add(middleware: WebSocketUpgradeCheckMiddleware())
    routes.registerRoot(on: router)
    for group in [router.group(""), router.group("api")] {
      routes.register(on: group)
      group.ws("ws") { _, _ in
        .upgrade()
      } onUpgrade: { inbound, outbound, context in
        context.requestContext.releaseWebSocketRecord()
        let clientID = context.request.uri.queryParameters.get("clientId")
        try await webSocket.serve(inbound: inbound, outbound: outbound, clientID: clientID)
      }
    }

    var logger = Logger(label: "faultline.mock")
    logger.logLevel = .critical
    /// The bound port, or why the server did not start (or stopped before binding).
    let (portStream, portContinuation) = AsyncStream<
      Result<(port: Int, listener: any Channel), StartError>
    >.makeStream()
    let app = Application(
      router: router,
      server: .http1WebSocketUpgrade(
        webSocketRouter: router,
        configuration: .init(
          // The real server sends no pings of its own; a short close timeout keeps SIGTERM under a second.
          ws: .init(maxFrameSize: 1 << 20, autoPing: .disabled, closeTimeout: .milliseconds(300)))),
      configuration: .init(
        address: .hostname(configuration.host, port: configuration.port), serverName: nil),
      onServerRunning: { channel in
        if let port = channel.localAddress?.port {
          portContinuation.yield(.success((port, channel)))
        } else {
          portContinuation.yield(
            .failure(
              .bindFailed(
                host: configuration.host, port: configuration.port, underlying: "no local address"))
          )
        }
      },
      logger: logger
    )
    let runTask = Task {
      do {
        try await app.runService(gracefulShutdownSignals: [])
        portContinuation.yield(
          .failure(
            .bindFailed(
              host: configuration.host, port: configuration.port,
              underlying: "server stopped before it was running")))
      } catch {
        portContinuation.yield(
          .failure(
            .bindFailed(host: configuration.host, port: configuration.port, underlying: "\(error)"))
        )
      }
      portContinuation.finish()
    }
    var iterator = portStream.makeAsyncIterator()
    let boundPort: Int
    let listener: any Channel
    switch await iterator.next() {
    case .success(let bound): (boundPort, listener) = bound
    case .failure(let error):
      store.removeAll()
      throw error
    case nil:
      store.removeAll()
      throw StartError.bindFailed(
        host: configuration.host, port: configuration.port, underlying: "server task ended")
    }
    var background = [Task { await executor.run() }]
    if let interval = configuration.statusInterval {
      background.append(
        Task {
          while (try? await Task.sleep(for: interval)) != nil {
            sessions.send(MockMessage.status(queueRemaining: sessions.queueRemaining), to: nil)
          }
        })
    }
    running.withLock {
      $0 = Running(
        inFlight: inFlight, runTask: runTask, listener: listener, background: background,
        store: store,
        sessions: sessions, queue: queue)
    }
    return boundPort
  }

  /// Stops the listener, closes every WebSocket with 1001 (going away), lets in-flight requests finish
  /// and removes the output directory. The history goes with it, as with a real server restart.
  public func stop() async {
    guard let running = running.withLock({ $0.take() }) else { return }
    // No new connection from here on: a real server ended by SIGTERM accepts none, and a client
    // that reconnected to a server going away would count as reconnected to nothing.
    try? await running.listener.close()
    running.sessions.closeAll(code: 1001)
    await running.queue.shutDown()
    for task in running.background { task.cancel() }
    // Let the close frames leave and in-flight requests be answered (bounded: SIGTERM must exit within a
    // second) before cancelling the server, which closes every channel.
    let deadline = ContinuousClock.now.advanced(by: .milliseconds(600))
    while running.sessions.connectedCount > 0 || running.inFlight.current > 0,
      ContinuousClock.now < deadline
    {
      try? await Task.sleep(for: .milliseconds(10))
    }
    running.runTask.cancel()
    await running.runTask.value
    // The server task can return before the listening socket is closed; a restart on the same port
    // needs it closed.
    try? await running.listener.closeFuture.get()
    for task in running.background { await task.value }
    running.store.removeAll()
  }
}
