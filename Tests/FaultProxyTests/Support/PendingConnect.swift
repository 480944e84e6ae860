import FaultlineTestSupport
import Glibc

/// A connect that has been started but may not have completed: its SYN can go unanswered.
final class PendingConnect: @unchecked Sendable {
  private var descriptor: Int32

  /// Starts a non-blocking connect to `host:port`.
  init(host: String = "127.0.0.1", port: UInt16) throws {
    descriptor = socket(
      host.contains(":") ? AF_INET6 : AF_INET,
      Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
    guard descriptor >= 0 else { throw SocketError.failed("socket", errno) }
    let status = withSockAddr(host: host, port: port) { Glibc.connect(descriptor, $0, $1) }
    guard status == 0 || errno == EINPROGRESS else {
      let code = errno
      Glibc.close(descriptor)
      throw SocketError.failed("connect", code)
    }
  }

  /// Waits up to `milliseconds` for the connect to finish; returns its outcome (0 for connected,
  /// else the errno), or nil while it is still in progress.
  func outcome(within milliseconds: Int32) -> Int32? {
    var poll = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
    guard Glibc.poll(&poll, 1, milliseconds) == 1 else { return nil }
    var error: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
    return error
  }

  /// The connected socket, blocking again; this object no longer owns it.
  func take() -> BlockingSocket {
    let flags = fcntl(descriptor, F_GETFL)
    _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK)
    defer { descriptor = -1 }
    return BlockingSocket(descriptor: descriptor)
  }

  deinit {
    if descriptor >= 0 { Glibc.close(descriptor) }
  }
}
