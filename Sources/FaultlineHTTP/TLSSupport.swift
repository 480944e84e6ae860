import NIOCore

#if TLS
  import NIOSSL
#endif

/// TLS for `https`/`wss`, present only when the package's `TLS` trait is on.
///
/// Faultline talks to loopback servers it starts itself, so TLS is optional: leaving it out
/// removes BoringSSL and swift-nio-ssl from the build, which is most of a fresh build's time.
enum TLSSupport {
  static var isAvailable: Bool {
    #if TLS
      true
    #else
      false
    #endif
  }

  /// Puts a TLS client handler first in `channel`'s pipeline, verifying the server as `host`.
  static func addClientHandler(to channel: any Channel, host: String, url: String) throws {
    #if TLS
      let context = try NIOSSLContext(configuration: .makeClientConfiguration())
      let isAddress = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
      let handler = try NIOSSLClientHandler(
        context: context, serverHostname: isAddress ? nil : host)
      try channel.pipeline.syncOperations.addHandler(handler, position: .first)
    #else
      throw HTTPClientError.tlsUnavailable(url)
    #endif
  }
}
