/// Why a connected WebSocket stopped counting as connected.
public enum DisconnectReason: Sendable, Equatable, CustomStringConvertible {
  /// The server sent a close frame (1001 when a ComfyUI server shuts down).
  case closedByServer(code: String, reason: String?)
  /// The connection ended without a close frame: reset, EOF, or a ping left unanswered.
  case connectionLost(String)
  /// No frame arrived for the silence deadline: a half-open connection, or a server that
  /// silently stopped sending to this client (the reconnect race, ComfyUI #16010).
  case silence(Duration)
  /// `reconnect()` or `destroy()` closed it.
  case requested

  public var description: String {
    switch self {
    case .closedByServer(let code, let reason):
      "closed by the server (\(code)\(reason.map { ": \($0)" } ?? ""))"
    case .connectionLost(let detail): "connection lost: \(detail)"
    case .silence(let timeout): "no frame for \(timeout); the session is considered dead"
    case .requested: "closed on request"
    }
  }
}

/// What a `ComfyClient` reports: its own connection events and every server message.
public enum ComfyEvent: Sendable, Equatable {
  /// The first socket opened; `sessionId` arrives later in a `status` message.
  case connected
  case disconnected(DisconnectReason)
  /// Attempt `attempt` of a reconnection loop will start after `delay`.
  case reconnecting(attempt: Int, delay: Duration)
  /// A reconnection loop succeeded at attempt `attempts`.
  case reconnected(attempts: Int)
  /// A reconnection loop used all its attempts.
  case reconnectionFailed(attempts: Int)
  case message(ServerMessage)
  /// A frame that did not follow the protocol; the connection stays up.
  case malformedMessage(String)
}
