/// Why a client comparison cannot go on: each is one line for the user, and exit status 2.
public enum ClientRunError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The command could not be run, or ended before it connected.
  case clientFailed(String)
  /// The client ran but never opened a WebSocket session.
  case neverConnected(command: String, seconds: Double)
  /// The mock server did not start.
  case serverFailed(String)
  /// The proxy could not listen.
  case proxyFailed(String)

  public var description: String {
    switch self {
    case .clientFailed(let text): text
    case .neverConnected(let command, let seconds):
      "the client never connected: no WebSocket session within \(Int(seconds)) s of starting `\(command)` (does it read COMFY_URL or {url}?)"
    case .serverFailed(let text): text
    case .proxyFailed(let text): text
    }
  }
}
