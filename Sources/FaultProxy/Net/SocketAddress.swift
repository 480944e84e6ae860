import CLibUV
import Glibc

/// An IPv4 or IPv6 address with a port, parsed from `host:port` or `[v6]:port`.
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
  /// The host as written when parsed, or the numeric form.
  public let host: String
  public let port: UInt16
  /// True for IPv6.
  public let isIPv6: Bool
  /// The numeric IP, used for connecting and binding.
  let numericHost: String

  /// Parses `HOST:PORT`; `HOST` may be an IPv4 literal, `[IPv6]`, or a name resolved now (e.g. `localhost`).
  public init(parsing text: String) throws {
    let (host, portText): (Substring, Substring)
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]") else {
        throw ProxyError.invalidAddress(text, reason: "missing ] after the IPv6 address")
      }
      host = text[text.index(after: text.startIndex)..<close]
      let rest = text[text.index(after: close)...]
      guard rest.hasPrefix(":") else {
        throw ProxyError.invalidAddress(text, reason: "expected :PORT after ]")
      }
      portText = rest.dropFirst()
    } else {
      guard let colon = text.lastIndex(of: ":") else {
        throw ProxyError.invalidAddress(text, reason: "expected HOST:PORT")
      }
      host = text[..<colon]
      portText = text[text.index(after: colon)...]
      if host.contains(":") {
        throw ProxyError.invalidAddress(text, reason: "write IPv6 addresses as [ADDRESS]:PORT")
      }
    }
    guard let port = UInt16(portText) else {
      throw ProxyError.invalidAddress(
        text, reason: "port \"\(portText)\" is not a number from 0 to 65535")
    }
    try self.init(host: host.isEmpty ? "0.0.0.0" : String(host), port: port)
  }

  /// Resolves `host` (a literal or a name) and pairs it with `port`.
  public init(host: String, port: UInt16) throws {
    self.host = host
    self.port = port
    if SocketAddress.isLiteral(host, family: AF_INET) {
      numericHost = host
      isIPv6 = false
    } else if SocketAddress.isLiteral(host, family: AF_INET6) {
      numericHost = host
      isIPv6 = true
    } else {
      (numericHost, isIPv6) = try SocketAddress.resolve(host)
    }
  }

  private init(host: String, numericHost: String, port: UInt16, isIPv6: Bool) {
    self.host = host
    self.numericHost = numericHost
    self.port = port
    self.isIPv6 = isIPv6
  }

  /// The same host with another port (the real port after binding port 0).
  public func withPort(_ port: UInt16) -> SocketAddress {
    SocketAddress(host: host, numericHost: numericHost, port: port, isIPv6: isIPv6)
  }

  public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

  /// Calls `body` with the address as a `sockaddr`.
  func withSockAddr<T>(_ body: (UnsafePointer<sockaddr>) -> T) -> T {
    withSockAddr { address, _ in body(address) }
  }

  /// Calls `body` with the address as a `sockaddr` and its length, as `bind` and `connect` take them.
  public func withSockAddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
    var storage = sockaddr_storage()
    return withUnsafeMutablePointer(to: &storage) { pointer in
      let raw = UnsafeMutableRawPointer(pointer)
      if isIPv6 {
        uv_ip6_addr(numericHost, Int32(port), raw.assumingMemoryBound(to: sockaddr_in6.self))
      } else {
        uv_ip4_addr(numericHost, Int32(port), raw.assumingMemoryBound(to: sockaddr_in.self))
      }
      let length = isIPv6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
      return body(raw.assumingMemoryBound(to: sockaddr.self), socklen_t(length))
    }
  }

  /// Reads the port a bound socket really got.
  static func boundPort(of handle: UnsafeMutablePointer<uv_tcp_t>) -> UInt16? {
    boundPort { address, length in
      var size = Int32(length.pointee)
      defer { length.pointee = socklen_t(size) }
      return uv_tcp_getsockname(handle, address, &size)
    }
  }

  /// Reads the port a bound socket descriptor really got (IPv4 or IPv6).
  public static func boundPort(ofDescriptor descriptor: Int32) -> UInt16? {
    boundPort { getsockname(descriptor, $0, $1) }
  }

  /// The port of the address `name` writes (a `getsockname`), whatever its family.
  private static func boundPort(
    _ name: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
  ) -> UInt16? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let status = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { name($0, &length) }
    }
    guard status == 0 else { return nil }
    let family = storage.ss_family
    return withUnsafePointer(to: &storage) { pointer in
      let raw = UnsafeRawPointer(pointer)
      if family == sa_family_t(AF_INET6) {
        return UInt16(bigEndian: raw.assumingMemoryBound(to: sockaddr_in6.self).pointee.sin6_port)
      }
      return UInt16(bigEndian: raw.assumingMemoryBound(to: sockaddr_in.self).pointee.sin_port)
    }
  }

  private static func isLiteral(_ host: String, family: Int32) -> Bool {
    var buffer = [UInt8](repeating: 0, count: 16)
    return inet_pton(family, host, &buffer) == 1
  }

  private static func resolve(_ host: String) throws -> (String, Bool) {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var result: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, nil, &hints, &result)
    guard status == 0, let first = result else {
      throw ProxyError.invalidAddress(
        host, reason: "cannot resolve host: \(String(cString: gai_strerror(status)))")
    }
    defer { freeaddrinfo(result) }
    // Prefer IPv4 for names like localhost so that listen and connect agree.
    var chosen = first
    var cursor: UnsafeMutablePointer<addrinfo>? = first
    while let entry = cursor {
      if entry.pointee.ai_family == AF_INET {
        chosen = entry
        break
      }
      cursor = entry.pointee.ai_next
    }
    var name = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    let isIPv6 = chosen.pointee.ai_family == AF_INET6
    if isIPv6 {
      let address = UnsafeRawPointer(chosen.pointee.ai_addr).assumingMemoryBound(
        to: sockaddr_in6.self)
      uv_ip6_name(address, &name, name.count)
    } else {
      let address = UnsafeRawPointer(chosen.pointee.ai_addr).assumingMemoryBound(
        to: sockaddr_in.self)
      uv_ip4_name(address, &name, name.count)
    }
    return (
      String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), isIPv6
    )
  }
}
