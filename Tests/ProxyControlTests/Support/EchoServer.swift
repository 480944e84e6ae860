import Foundation
import Glibc

/// A TCP echo server on 127.0.0.1 port 0, one thread per connection, for traffic through the proxy.
final class EchoServer: @unchecked Sendable {
  // @unchecked: `listener` and `port` are set once in init; `clients` is guarded by `lock`.
  let port: Int
  private let listener: Int32
  private let lock = NSLock()
  private var clients: [Int32] = []
  private var stopped = false

  init() throws {
    listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var yes: Int32 = 1
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let listener = self.listener
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, listen(listener, 2048) == 0 else {
      let code = errno
      Glibc.close(listener)
      throw TestSocketError.failed("bind/listen", code)
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
    }
    port = Int(UInt16(bigEndian: address.sin_port))
    Thread.detachNewThread { [self] in acceptLoop() }
  }

  private func acceptLoop() {
    while true {
      let fd = accept(listener, nil, nil)
      if fd < 0 {
        if errno == EINTR || errno == ECONNABORTED { continue }
        return
      }
      let accepted = lock.withLock { () -> Bool in
        guard !stopped else { return false }
        clients.append(fd)
        return true
      }
      guard accepted else {
        Glibc.close(fd)
        return
      }
      let thread = Thread { [self] in echo(fd) }
      thread.stackSize = 256 * 1024
      thread.start()
    }
  }

  private func echo(_ fd: Int32) {
    var buffer = [UInt8](repeating: 0, count: 65_536)
    defer { finish(fd) }
    while true {
      let count = recv(fd, &buffer, buffer.count, 0)
      if count < 0, errno == EINTR { continue }
      guard count > 0 else { return }
      var offset = 0
      while offset < count {
        let sent = buffer.withUnsafeBytes {
          Glibc.send(fd, $0.baseAddress! + offset, count - offset, Int32(MSG_NOSIGNAL))
        }
        if sent < 0, errno == EINTR { continue }
        guard sent > 0 else { return }
        offset += sent
      }
    }
  }

  private func finish(_ fd: Int32) {
    lock.withLock { clients.removeAll { $0 == fd } }
    Glibc.close(fd)
  }

  /// Closes the listener and shuts every connection down; each connection's thread then closes it.
  func stop() {
    let open = lock.withLock { () -> [Int32] in
      stopped = true
      return clients
    }
    shutdown(listener, Int32(SHUT_RDWR))
    Glibc.close(listener)
    for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
  }
}
