import Foundation

/// Where a request goes: host, port, the request target, and whether the connection is TLS.
///
/// Parsed once from an `http`, `https`, `ws` or `wss` URL so that the HTTP and the WebSocket
/// client agree on default ports and on what a path with a query looks like on the wire.
public struct Endpoint: Sendable, Equatable {
  public var host: String
  public var port: Int
  /// Path and query as sent in the request line, e.g. `/ws?clientId=a`.
  public var target: String
  public var usesTLS: Bool

  public init(host: String, port: Int, target: String, usesTLS: Bool) {
    self.host = host
    self.port = port
    self.target = target
    self.usesTLS = usesTLS
  }

  /// Parses `text`; throws `HTTPClientError.invalidURL` naming the URL and what is wrong with it.
  public init(url text: String) throws(HTTPClientError) {
    guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased()
    else { throw .invalidURL(text, reason: "not a URL") }
    let tls: Bool
    switch scheme {
    case "http", "ws": tls = false
    case "https", "wss": tls = true
    default: throw .invalidURL(text, reason: "scheme \(scheme) is not http, https, ws or wss")
    }
    guard let host = components.host, !host.isEmpty else {
      throw .invalidURL(text, reason: "no host")
    }
    let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
    let query = components.percentEncodedQuery.map { "?\($0)" } ?? ""
    // URLComponents keeps IPv6 hosts bracketed in `host` on some platforms and not on others.
    let bareHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
    self.init(
      host: bareHost, port: components.port ?? (tls ? 443 : 80), target: path + query, usesTLS: tls)
  }

  /// The `Host` header: the port only when it is not the scheme's default.
  public var hostHeader: String {
    let shownHost = host.contains(":") ? "[\(host)]" : host
    return port == (usesTLS ? 443 : 80) ? shownHost : "\(shownHost):\(port)"
  }
}
