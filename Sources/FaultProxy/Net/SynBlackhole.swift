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
    waitUntilQueued()
  }

  /// Waits (at most a second) until our connection sits in the accept queue. The handshake runs in
  /// the kernel's softirq, which a busy machine defers; a client SYN checked against the queue before
  /// our final ACK lands would still be let in.
  private func waitUntilQueued() {
    let deadline = MonotonicClock.now() &+ 1_000_000_000
    while MonotonicClock.now() < deadline {
      var info = tcp_info()
      var length = socklen_t(MemoryLayout<tcp_info>.size)
      // For a listening socket, tcpi_unacked is the number of connections waiting in its queue.
      if getsockopt(listener, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0,
        info.tcpi_unacked >= 1
      {
        return
      }
      var poll = pollfd(fd: filler, events: Int16(POLLOUT), revents: 0)
      _ = Glibc.poll(&poll, 1, 1)
    }
  }

  /// Lets SYNs through again: the queued connection is dropped with the listener.
  func close() {
    Glibc.close(filler)
    PortReservation.stopListening(listener)
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
