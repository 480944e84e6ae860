import Glibc

/// A port that drops every SYN, as a host that has gone away does: clients' `connect` neither
/// succeeds nor fails, it retransmits until it gives up or the port answers again.
///
/// No firewall is needed. The kernel drops a SYN for a listening socket whose accept queue is full,
/// so the port gets a socket listening with a backlog of 0 and one connection of our own that is
/// never accepted and fills that queue. Closing both lets the next retransmitted SYN through.
final class SynBlackhole {
  private let listener: Int32
  private let filler: Int32

  /// Takes over `address` (whose port the proxy holds with SO_REUSEPORT) and fills its queue.
  init(_ address: SocketAddress) throws {
    listener = try PortReservation.boundSocket(address)
    guard Glibc.listen(listener, 0) == 0 else {
      let code = errno
      Glibc.close(listener)
      throw ProxyError.bindFailed(address: address.description, code: -code)
    }
    let target = try address.reachableFromHere()
    filler = socket(
      target.isIPv6 ? AF_INET6 : AF_INET,
      Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
    guard filler >= 0 else {
      let code = errno
      Glibc.close(listener)
      throw ProxyError.bindFailed(address: address.description, code: -code)
    }
    _ = target.withSockAddr { pointer in
      connect(
        filler, pointer,
        socklen_t(target.isIPv6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size))
    }
    // The handshake completes in the kernel at once on a local address. Wait for it briefly, so
    // that no client SYN slips into the queue first; if one did, the queue is full all the same.
    var poll = pollfd(fd: filler, events: Int16(POLLOUT), revents: 0)
    _ = Glibc.poll(&poll, 1, 100)
  }

  /// Lets SYNs through again: the queued connection is dropped with the listener.
  func close() {
    Glibc.close(filler)
    Glibc.close(listener)
  }
}

extension SocketAddress {
  /// The address a local socket connects to in order to reach a listener bound to this one: the
  /// loopback address of the same family when bound to every address.
  func reachableFromHere() throws -> SocketAddress {
    switch numericHost {
    case "0.0.0.0": try SocketAddress(host: "127.0.0.1", port: port)
    case "::": try SocketAddress(host: "::1", port: port)
    default: self
    }
  }
}
