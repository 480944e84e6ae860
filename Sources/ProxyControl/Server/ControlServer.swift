import FaultProxy
import FaultlineLocking
import FaultlineServing
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The HTTP control plane of a `ProxyEngine`: Toxiproxy's API, answered as Toxiproxy answers it,
/// plus Faultline's extensions under `/faultline/` (see docs/control-api.md).
///
/// Every route reaches the data plane through the engine's command queue and never waits on
/// traffic. Usable in-process: `start()` returns the real port (port 0 picks one), `stop()` ends it.
public final class ControlServer: Sendable {
  public let directory: ProxyDirectory
  public let host: String
  private let requestedPort: Int
  private let bodyLimit: Int
  /// The mock servers served under `/faultline/servers`, if any.
  public let servers: (any ServerLifeControl)?
  private let running = Locked<Running?>(nil)

  private struct Running: Sendable {
    var task: Task<Void, any Error>
    var group: ServiceGroup
  }

  /// The default largest request body: profiles and populate lists are far below it.
  public static let defaultBodyLimit = 1 << 20

  /// - Throws: `ControlServerError.remoteNotAllowed` if `host` is not a loopback address and
  ///   `allowRemote` is false: anyone who reaches the API can reconfigure every proxy.
  public init(
    engine: ProxyEngine, host: String = "127.0.0.1", port: Int = 8474, allowRemote: Bool = false,
    bodyLimit: Int = ControlServer.defaultBodyLimit, servers: (any ServerLifeControl)? = nil
  ) throws {
    guard allowRemote || LoopbackHost.contains(host) else {
      throw ControlServerError.remoteNotAllowed(host: host)
    }
    guard (0...65_535).contains(port) else { throw ControlServerError.invalidPort(port) }
    directory = ProxyDirectory(engine: engine)
    self.host = host
    requestedPort = port
    self.bodyLimit = bodyLimit
    self.servers = servers
  }

  public var engine: ProxyEngine { directory.engine }

  /// Starts serving in the background; returns the real port once it listens.
  public func start() async throws -> Int {
    let (ports, continuation) = AsyncStream<Result<Int, any Error>>.makeStream()
    let application = makeApplication { port in continuation.yield(.success(port)) }
    // A service group of our own lets `stop()` shut down gracefully instead of cancelling requests.
    let group = ServiceGroup(
      configuration: ServiceGroupConfiguration(services: [application], logger: application.logger))
    let task = Task {
      do {
        try await group.run()
        continuation.finish()
      } catch {
        continuation.yield(.failure(error))
        continuation.finish()
        throw error
      }
    }
    let previous = running.withLock { running in
      defer { running = Running(task: task, group: group) }
      return running
    }
    if let previous { await Self.shutDown(previous) }
    for await result in ports {
      return try result.get()
    }
    throw ControlServerError.stoppedBeforeListening(host: host, port: requestedPort)
  }

  /// Serves until the calling task is cancelled or `stop()` is called.
  public func run() async throws {
    _ = try await start()
    guard let current = running.withLock({ $0 }) else { return }
    try await withTaskCancellationHandler {
      try await current.task.value
    } onCancel: {
      Task { await current.group.triggerGracefulShutdown() }
    }
  }

  /// Stops serving: open requests finish, then the listener closes. Proxies keep running.
  public func stop() async {
    guard
      let current = running.withLock({ running in
        defer { running = nil }
        return running
      })
    else {
      return
    }
    await Self.shutDown(current)
  }

  private static func shutDown(_ running: Running) async {
    await running.group.triggerGracefulShutdown()
    _ = try? await running.task.value
  }

  private func makeApplication(onPort: @escaping @Sendable (Int) -> Void)
    -> some ApplicationProtocol
  {
    let router = Router()
    router.middlewares.add(RequestIDMiddleware())
    router.middlewares.add(BrowserRefusalMiddleware())
    let bodyLimit = self.bodyLimit
    router.middlewares.add(
      DeclaredBodyLimitMiddleware(limit: bodyLimit) { declared in
        ControlError(
          .contentTooLarge,
          "request body of \(declared) bytes (Content-Length) larger than \(bodyLimit) bytes")
      })
    let body = RequestBodyReader(limit: bodyLimit)
    ProxyRoutes(directory: directory, body: body).add(to: router)
    ToxicRoutes(directory: directory, body: body).add(to: router)
    ServerRoutes(directory: directory, body: body).add(to: router)
    MetricsRoute(directory: directory).add(to: router)
    ExtensionRoutes(directory: directory, body: body).add(to: router)
    if let servers { ServerLifeRoutes(servers: servers, body: body).add(to: router) }
    var logger = Logger(label: "faultline.control")
    logger.logLevel = .warning
    return Application(
      router: router,
      configuration: ApplicationConfiguration(
        address: .hostname(host, port: requestedPort), serverName: nil),
      onServerRunning: { channel in onPort(channel.localAddress?.port ?? 0) },
      logger: logger)
  }
}

/// Why the control server cannot start.
public enum ControlServerError: Error, Equatable, CustomStringConvertible {
  case remoteNotAllowed(host: String)
  case invalidPort(Int)
  case stoppedBeforeListening(host: String, port: Int)

  public var description: String {
    switch self {
    case .remoteNotAllowed(let host):
      "the control API would listen on \(host), which is not a loopback address; anyone who reaches it can reconfigure every proxy. Pass --api-allow-remote to allow it"
    case .invalidPort(let port):
      "control API port \(port) is out of range 0...65535"
    case .stoppedBeforeListening(let host, let port):
      "the control API stopped before listening on \(host):\(port)"
    }
  }
}
