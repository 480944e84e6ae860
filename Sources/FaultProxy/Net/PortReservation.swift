import Glibc

/// Sockets bound with SO_REUSEPORT, so a proxy that stops listening (a `refuse` fault, a disabled
/// proxy) keeps its port: a bound socket that does not listen refuses connections with a RST
/// (ECONNREFUSED), and the kernel never hands the port to a socket that asks for port 0 meanwhile.
///
/// SO_REUSEPORT alone would also let a second listener share a taken port, so every listener is
/// preceded by a probe without it: the probe's bind fails while anything listens on the port.
enum PortReservation {
  /// Binds a probe (SO_REUSEADDR only) to `address`: fails with EADDRINUSE while something listens
  /// there, and for port 0 picks a port no listener uses. Close it once the listener is up.
  static func probe(_ address: SocketAddress) throws -> (fd: Int32, port: UInt16) {
    let fd = try bound(address, reusePort: false)
    guard let port = SocketAddress.boundPort(ofDescriptor: fd) else {
      let code = errno
      Glibc.close(fd)
      throw ProxyError.bindFailed(address: address.description, code: -code)
    }
    return (fd, port)
  }

  /// Makes the listening socket `fd` stop listening now, for every process holding it, before
  /// it is closed. `close` alone only drops this process's reference: a child being spawned at
  /// that moment holds a copy of every descriptor until its `exec` (close-on-exec or not), and
  /// while it does the socket keeps listening in the port's SO_REUSEPORT group and completes
  /// handshakes that a closed or blackholed port must refuse or drop. `shutdown` on a listener
  /// stops the socket itself (Linux: `inet_csk_listen_stop`), whoever else holds it.
  static func stopListening(_ fd: Int32) {
    _ = shutdown(fd, Int32(SHUT_RDWR))
  }

  /// A non-blocking, close-on-exec TCP socket bound to `address` with SO_REUSEADDR and SO_REUSEPORT.
  static func boundSocket(_ address: SocketAddress) throws -> Int32 {
    try bound(address, reusePort: true)
  }

  private static func bound(_ address: SocketAddress, reusePort: Bool) throws -> Int32 {
    let family = address.isIPv6 ? AF_INET6 : AF_INET
    let fd = socket(
      family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
    guard fd >= 0 else { throw ProxyError.bindFailed(address: address.description, code: -errno) }
    var yes: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    if reusePort {
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &yes, socklen_t(MemoryLayout<Int32>.size))
    }
    let status = address.withSockAddr { pointer in
      bind(
        fd, pointer,
        socklen_t(address.isIPv6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
      )
    }
    guard status == 0 else {
      let code = errno
      Glibc.close(fd)
      throw ProxyError.bindFailed(address: address.description, code: -code)
    }
    return fd
  }
}

/// Keeps a listener's port from anyone else while the listener is briefly gone: a proxy that
/// `/populate` replaces and may have to put back. A bound socket (SO_REUSEADDR and SO_REUSEPORT, not
/// listening) is never handed out by a port-0 bind nor taken as an outgoing connection's local
/// port, and a new listener on the same port may still bind beside it. Closed when released.
public final class HeldPort: Sendable {
  private let descriptor: Int32
  /// The port held (the one the kernel chose when `address` asked for port 0).
  public let port: UInt16

  /// Holds the port of `address` (which may be listened on now).
  public init(_ address: SocketAddress) throws {
    descriptor = try PortReservation.boundSocket(address)
    port = SocketAddress.boundPort(ofDescriptor: descriptor) ?? address.port
  }

  deinit {
    Glibc.close(descriptor)
  }
}
