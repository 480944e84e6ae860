import ChildProcess
import Foundation
import ProxyControl

/// The control API's `/faultline/servers` routes drive a `ServerManager`: the same start, stop,
/// kill, pause, resume and restart as a Swift test, for a test in any language.
extension ServerManager: ServerLifeControl {
  public func startServer(port: Int) async throws -> ServerStatus {
    try await translated { try await status(of: start(port: port)) }
  }

  public func stopServer(port: Int) async throws -> ServerStatus {
    try await ended(port) { try await stop(port: port) }
  }

  public func killServer(port: Int) async throws -> ServerStatus {
    try await ended(port) { try await kill(port: port) }
  }

  public func pauseServer(port: Int) async throws -> ServerStatus {
    try await translated {
      try await pause(port: port)
      return try serverStatus(port: port)
    }
  }

  public func resumeServer(port: Int) async throws -> ServerStatus {
    try await translated {
      try resume(port: port)
      return try serverStatus(port: port)
    }
  }

  public func restartServer(port: Int, delay: Duration, stopping: ServerStopMethod) async throws
    -> ServerStatus
  {
    guard server(port: port) != nil else { throw ServerLifeError.notFound(port: port) }
    return try await translated {
      status(
        of: try await restart(
          port: port, after: delay, stopping: stopping))
    }
  }

  public func stopAllServers() async {
    await stopAll(keepingDirectory: true)
  }

  public func serverStatuses() async -> [ServerStatus] {
    runningServers.map(status(of:))
  }

  public func serverStatus(port: Int) throws -> ServerStatus {
    guard let server = server(port: port) else { throw ServerLifeError.notFound(port: port) }
    return status(of: server)
  }

  public func armServer(
    port: Int, action: ServerAction, at moment: ServerMoment, timeout: Duration
  ) async throws -> ServerStatus {
    let status = try serverStatus(port: port)
    Task {
      do {
        try await waitFor(moment, port: port, timeout: timeout)
        switch action {
        case .stop: try await stop(port: port)
        case .kill: try await kill(port: port)
        case .pause: try await pause(port: port)
        case .restart(let delay, let method):
          try await restart(
            port: port, after: delay, stopping: method)
        }
      } catch {
        // Nobody waits for an armed action: its failure goes where `up` reports.
        FileHandle.standardError.write(
          Data(
            "faultline: the armed \(action.name) of the server on port \(port) failed: \(error)\n"
              .utf8))
      }
    }
    return status
  }

  public nonisolated func serverEvents(after offset: Int) async -> ServerEvents {
    guard let handle = FileHandle(forReadingAtPath: eventsPath) else {
      return ServerEvents(events: [], next: offset)
    }
    defer { try? handle.close() }
    guard (try? handle.seek(toOffset: UInt64(offset))) != nil,
      let data = try? handle.readToEnd(),
      let end = data.lastIndex(of: UInt8(ascii: "\n"))
    else { return ServerEvents(events: [], next: offset) }
    // Only whole lines: a line being written now comes with the next page.
    let complete = data[data.startIndex...end]
    let events = complete.split(separator: UInt8(ascii: "\n")).compactMap {
      try? JSONDecoder().decode(JSONValue.self, from: Data($0))
    }
    return ServerEvents(events: events, next: offset + complete.count)
  }

  private func status(of server: ServerInstance) -> ServerStatus {
    ServerStatus(
      port: server.port, pid: server.pid, running: server.process.isRunning,
      paused: isPaused(port: server.port), exit: server.process.exitStatus?.description)
  }

  /// Runs an operation that ends the server, answering with its last status.
  private func ended(_ port: Int, _ operation: () async throws -> ExitStatus) async throws
    -> ServerStatus
  {
    guard let server = server(port: port) else { throw ServerLifeError.notFound(port: port) }
    let exit = try await translated { try await operation() }
    return ServerStatus(
      port: port, pid: server.pid, running: false, paused: false, exit: exit.description)
  }

  private func translated<Value>(_ operation: () async throws -> Value) async throws -> Value {
    do {
      return try await operation()
    } catch let error as ServerManagerError {
      switch error {
      case .noServer(let port): throw ServerLifeError.notFound(port: port)
      case .alreadyRunning(let port): throw ServerLifeError.alreadyRunning(port: port)
      case .startFailed, .readyLineWithoutPort:
        throw ServerLifeError.startFailed(error.description)
      }
    } catch let error as ServerLifeError {
      throw error
    } catch {
      throw ServerLifeError.startFailed("\(error)")
    }
  }
}
