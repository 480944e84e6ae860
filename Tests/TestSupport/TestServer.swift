import FaultProxy
import Foundation
import Glibc

/// A real TCP server on port 0 that hands each accepted connection to a handler on its own thread.
public final class TestServer: @unchecked Sendable {
  // @unchecked: `listener` is written once in init; accepted sockets are guarded by `lock`.
  public let port: UInt16
  public let host: String
  private let listener: Int32
  private let lock = NSLock()
  private var accepted: [BlockingSocket] = []
  private var acceptedCount = 0
  private var stopped = false
  /// Set by the accept thread as it closes the listener: only that thread closes it, once its last
  /// `accept` returned, so no `accept` ever runs on a number the kernel gave to another test's
  /// socket (it would take that test's connection and close it).
  private var listenerClosed = false

  /// Starts listening on `host` port 0 and serving with `handler` (run on a thread per connection).
  public init(host: String = "127.0.0.1", handler: @escaping @Sendable (BlockingSocket) -> Void)
    throws
  {
    self.host = host
    let isIPv6 = host.contains(":")
    listener = socket(
      isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    var yes: Int32 = 1
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    let listener = self.listener
    let bound = withSockAddr(host: host, port: 0) { address, length in
      bind(listener, address, length)
    }
    guard bound == 0, Glibc.listen(listener, 512) == 0 else {
      let code = errno
      Glibc.close(listener)
      throw SocketError.failed("bind/listen", code)
    }
    guard let boundPort = SocketAddress.boundPort(ofDescriptor: listener) else {
      let code = errno
      Glibc.close(listener)
      throw SocketError.failed("getsockname", code)
    }
    port = boundPort
    let thread = Thread { [self] in acceptLoop(handler) }
    thread.start()
  }

  /// How many connections were accepted so far.
  public var connectionCount: Int { lock.withLock { acceptedCount } }

  private func acceptLoop(_ handler: @escaping @Sendable (BlockingSocket) -> Void) {
    while true {
      let fd = accept(listener, nil, nil)
      if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
      if fd < 0 {
        let code = errno
        let transient = [EINTR, ECONNABORTED, EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(code)
        if !transient || lock.withLock({ stopped }) {
          closeListener()
          return
        }
        // Out of descriptors or memory for a moment: the connection waits in the backlog.
        if code != EINTR && code != ECONNABORTED { usleep(10_000) }
        continue
      }
      let socket = BlockingSocket(descriptor: fd)
      let keep = lock.withLock { () -> Bool in
        if stopped { return false }
        accepted.append(socket)
        acceptedCount += 1
        return true
      }
      guard keep else {
        socket.close()
        closeListener()
        return
      }
      Thread { handler(socket) }.start()
    }
  }

  /// Stops accepting and ends every accepted connection. Never blocks: handler threads blocked in a
  /// send or receive are woken by the shutdown and finish on their own (a plain close would not wake
  /// them on Linux, and waiting here would hold one of Swift's few cooperative threads).
  public func stop() {
    let sockets = lock.withLock { () -> [BlockingSocket] in
      stopped = true
      return accepted
    }
    lock.withLock {
      // Wakes the accept thread (accept fails with EINVAL), which then closes the listener.
      if !listenerClosed { Glibc.shutdown(listener, Int32(SHUT_RDWR)) }
    }
    for socket in sockets { socket.shutdownAndClose() }
  }

  private func closeListener() {
    lock.withLock {
      Glibc.close(listener)
      listenerClosed = true
    }
  }
}
