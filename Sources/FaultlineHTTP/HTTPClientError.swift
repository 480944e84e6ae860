/// Why a request or a WebSocket connection failed, with the URL it was for.
public enum HTTPClientError: Error, Sendable, CustomStringConvertible {
  case invalidURL(String, reason: String)
  /// The URL is `https`/`wss` but this build has no TLS (the package's `TLS` trait is off).
  case tlsUnavailable(String)
  case connectFailed(String, reason: String)
  /// No complete answer before the deadline.
  case timedOut(String, after: Duration)
  /// The connection ended before a complete response.
  case incompleteResponse(String)
  case bodyTooLarge(String, limit: Int)
  /// The server answered the WebSocket upgrade with something other than 101.
  case upgradeDeclined(String)

  public var description: String {
    switch self {
    case .invalidURL(let url, let reason): "invalid URL \(url): \(reason)"
    case .tlsUnavailable(let url):
      "\(url) needs TLS, and this build of Faultline has none: build with `--traits TLS`"
    case .connectFailed(let url, let reason): "cannot connect to \(url): \(reason)"
    case .timedOut(let url, let after): "no answer from \(url) within \(after)"
    case .incompleteResponse(let url): "the connection to \(url) ended before a complete response"
    case .bodyTooLarge(let url, let limit): "the response from \(url) is larger than \(limit) bytes"
    case .upgradeDeclined(let url): "\(url) declined the WebSocket upgrade"
    }
  }
}
