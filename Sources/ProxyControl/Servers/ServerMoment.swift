/// A moment in a mock server's protocol at which to kill, stop or pause it, so that a crash test
/// is deterministic instead of a race with a sleep. Counted from the moment it is armed.
public enum ServerMoment: Sendable, Equatable, CustomStringConvertible {
  /// The server sends `executing` for this node id (the node starts running).
  case nodeStarts(String)
  /// The server has sent this many WebSocket messages to the client (to any client when nil).
  case messages(Int, clientID: String?)
  /// A prompt was accepted (`POST /prompt` answered 200) and waits in the queue.
  case promptQueued
  /// This long after it was armed.
  case after(Duration)

  public var description: String {
    switch self {
    case .nodeStarts(let node): "when node \(node) starts executing"
    case .messages(let count, let client):
      "after the \(count)th WebSocket message to \(client.map { "client \($0)" } ?? "any client")"
    case .promptQueued: "while a prompt is queued"
    case .after(let delay): "after \(delay)"
    }
  }
}

/// What to do to a server at a moment.
public enum ServerAction: Sendable, Equatable {
  case stop, kill, pause
  case restart(delay: Duration, stopping: ServerStopMethod)

  public var name: String {
    switch self {
    case .stop: "stop"
    case .kill: "kill"
    case .pause: "pause"
    case .restart: "restart"
    }
  }
}
