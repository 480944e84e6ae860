/// Every error the ComfyUI client throws, each naming what went wrong and with which value.
public enum ComfyClientError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A configuration field has a value the client cannot work with.
  case invalidConfiguration(field: String, value: String, expected: String)
  /// `GET /prompt` did not answer after every health-check attempt.
  case serverUnreachable(url: String, attempts: Int, lastError: String)
  /// A request got a status the client did not expect.
  case httpStatus(method: String, path: String, status: Int, body: String)
  /// A request failed below HTTP (refused, reset, timed out).
  case requestFailed(method: String, path: String, reason: String)
  /// A response body was not what the ComfyUI protocol promises.
  case invalidResponse(path: String, reason: String)
  /// The WebSocket did not open.
  case webSocketConnectFailed(url: String, reason: String)
  /// The reconnection loop gave up.
  case reconnectionFailed(attempts: Int)
  /// `abortReconnect()` or `destroy()` stopped the reconnection loop.
  case reconnectionAborted
  /// The client was destroyed, or is being destroyed.
  case destroyed
  /// `connect()` was called on a client that already connected.
  case alreadyConnected
  /// The server rejected the prompt (`POST /prompt` answered 400).
  case promptRejected(type: String, message: String, nodeErrors: String)
  /// The prompt ran and failed on the server.
  case executionFailed(promptId: String, nodeId: String?, nodeType: String?, message: String)
  /// The prompt was interrupted on the server.
  case executionInterrupted(promptId: String, nodeId: String?)
  /// After a reconnect the server knew the prompt neither in its queue nor in its history:
  /// typically the server restarted and forgot it.
  case promptLost(promptId: String)

  public var description: String {
    switch self {
    case .invalidConfiguration(let field, let value, let expected):
      "invalid configuration: \(field) = \(value), expected \(expected)"
    case .serverUnreachable(let url, let attempts, let lastError):
      "ComfyUI server at \(url) unreachable after \(attempts) health checks (GET /prompt): \(lastError)"
    case .httpStatus(let method, let path, let status, let body):
      "\(method) \(path) answered HTTP \(status): \(body.prefix(300))"
    case .requestFailed(let method, let path, let reason):
      "\(method) \(path) failed: \(reason)"
    case .invalidResponse(let path, let reason):
      "unexpected response from \(path): \(reason)"
    case .webSocketConnectFailed(let url, let reason):
      "WebSocket \(url) did not open: \(reason)"
    case .reconnectionFailed(let attempts):
      "reconnection failed after \(attempts) attempts"
    case .reconnectionAborted:
      "reconnection aborted"
    case .destroyed:
      "the client was destroyed"
    case .alreadyConnected:
      "connect() called on a client that has already connected; use reconnect()"
    case .promptRejected(let type, let message, let nodeErrors):
      "prompt rejected (\(type)): \(message) \(nodeErrors)"
    case .executionFailed(let promptId, let nodeId, let nodeType, let message):
      "prompt \(promptId) failed at node \(nodeId ?? "?") (\(nodeType ?? "?")): \(message)"
    case .executionInterrupted(let promptId, let nodeId):
      "prompt \(promptId) was interrupted at node \(nodeId ?? "?")"
    case .promptLost(let promptId):
      "prompt \(promptId) is lost: after reconnecting, the server has it neither in /queue nor in /history (did the server restart?)"
    }
  }
}
