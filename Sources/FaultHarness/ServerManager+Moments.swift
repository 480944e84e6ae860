import ChildProcess
import FaultProxy
import Foundation
import ProxyControl

/// Crashes at a protocol moment: kill, stop or pause a server when a node starts executing, after
/// the Nth WebSocket message to a client, while a prompt is queued, or after a delay, driven by the
/// server's own event file, so that a crash test is deterministic instead of a race with a sleep.
///
/// The moment is counted from the call; the action follows within a few milliseconds of the
/// server's event (the file is read every 2 ms), later on a starved machine, and the server runs
/// on until it comes: `waitFor` returns the server's stamp of the event, so that a caller can tell
/// what it did after the moment.
extension ServerManager {
  /// Returns when `moment` has happened on the server on `port`, with the server's own stamp of
  /// the event that made it (its `time_ns`, CLOCK_MONOTONIC nanoseconds; for `.after`, the clock
  /// when the delay ended), so that a caller can tell what the server did after that event.
  /// - Throws: `ServerMomentError` when it did not come within `timeout` or the server ended.
  @discardableResult
  public func waitFor(_ moment: ServerMoment, port: Int, timeout: Duration = .seconds(30))
    async throws -> Int
  {
    guard let server = server(port: port) else { throw ServerManagerError.noServer(port: port) }
    if case .after(let delay) = moment {
      try await Task.sleep(for: delay)
      return Int(MonotonicClock.now())
    }
    let pid = Int(server.pid)
    let reader = ServerEventReader(
      path: eventsPath, origin: Int(MonotonicClock.now()), fromEnd: true)
    var seen = 0
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
      for event in reader.readNew() where event.pid == pid {
        if Self.matches(moment, event, seen: &seen) {
          return reader.origin + Int((event.time * 1e9).rounded())
        }
      }
      guard server.process.isRunning else {
        throw ServerMomentError(port: port, moment: moment, reason: "the server ended first")
      }
      try await Task.sleep(for: .milliseconds(2))
    }
    throw ServerMomentError(
      port: port, moment: moment, reason: "it did not come within \(timeout)")
  }

  /// SIGKILL at `moment`.
  @discardableResult
  public func kill(port: Int, at moment: ServerMoment, timeout: Duration = .seconds(30))
    async throws -> ExitStatus
  {
    try await waitFor(moment, port: port, timeout: timeout)
    return try await kill(port: port)
  }

  /// SIGTERM (then SIGKILL after the grace period) at `moment`.
  @discardableResult
  public func stop(port: Int, at moment: ServerMoment, timeout: Duration = .seconds(30))
    async throws -> ExitStatus
  {
    try await waitFor(moment, port: port, timeout: timeout)
    return try await stop(port: port)
  }

  /// SIGSTOP at `moment`. Returns the server's stamp of the event that made the moment (see
  /// `waitFor`); the server runs on for the moment's polling latency after it.
  @discardableResult
  public func pause(port: Int, at moment: ServerMoment, timeout: Duration = .seconds(30))
    async throws -> Int
  {
    let stamp = try await waitFor(moment, port: port, timeout: timeout)
    try await pause(port: port)
    return stamp
  }

  static func matches(_ moment: ServerMoment, _ event: ObservedEvent, seen: inout Int) -> Bool {
    switch moment {
    case .nodeStarts(let node):
      return event.kind == "message" && event.detail == "executing" && event.node == node
    case .messages(let count, let client):
      guard event.kind == "message", let recipients = event.recipients else { return false }
      if client.map({ recipients.contains($0) }) ?? !recipients.isEmpty { seen += 1 }
      return seen >= count
    case .promptQueued:
      return event.kind == "http"
        && (event.detail == "POST /prompt 200" || event.detail == "POST /api/prompt 200")
    case .after:
      return true
    }
  }
}

/// A protocol moment that did not come.
public struct ServerMomentError: Error, CustomStringConvertible {
  public let port: Int
  public let moment: ServerMoment
  public let reason: String

  public var description: String {
    "the server on port \(port): waited \(moment), but \(reason)"
  }
}
