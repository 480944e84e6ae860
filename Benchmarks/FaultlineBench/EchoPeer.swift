import Foundation
import Glibc

/// A loopback echo server and a client socket for measuring the proxy from outside, on plain POSIX
/// sockets and threads so the measurement does not share the proxy's event loops.
final class EchoPeer: @unchecked Sendable {
  // @unchecked: `listener` and `port` are written once in init; handler threads own their sockets.
  let port: UInt16
  private let listener: Int32

  init() throws {
    listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let listener = self.listener
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
        bind(listener, address, length) == 0 && listen(listener, 4096) == 0
          && getsockname(listener, address, &length) == 0
      }
    }
    guard bound else {
      throw BenchError("cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))")
    }
    port = UInt16(bigEndian: address.sin_port)
    Thread { EchoPeer.acceptLoop(listener) }.start()
  }

  private static func acceptLoop(_ listener: Int32) {
    while true {
      let fd = accept(listener, nil, nil)
      if fd < 0 { return }
      Thread {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
          let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
          if count <= 0 { break }
          var sent = 0
          while sent < count {
            let written = buffer.withUnsafeBytes {
              send(fd, $0.baseAddress! + sent, count - sent, Int32(MSG_NOSIGNAL))
            }
            if written <= 0 { break }
            sent += written
          }
        }
        close(fd)
      }.start()
    }
  }

  func stop() {
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
  }

  /// A connected client socket with TCP_NODELAY, so small messages leave at once.
  static func connect(port: UInt16) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var yes: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let status = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard status == 0 else {
      close(fd)
      throw BenchError("connect to \(port): \(String(cString: strerror(errno)))")
    }
    return fd
  }

  /// One round trip of `size` bytes; returns nanoseconds.
  static func roundTrip(_ fd: Int32, size: Int = 32) throws -> UInt64 {
    var message = [UInt8](repeating: 0x42, count: size)
    let started = DispatchTime.now().uptimeNanoseconds
    guard message.withUnsafeBytes({ send(fd, $0.baseAddress, size, Int32(MSG_NOSIGNAL)) }) == size
    else {
      throw BenchError("send failed")
    }
    var received = 0
    while received < size {
      let count = message.withUnsafeMutableBytes {
        recv(fd, $0.baseAddress! + received, size - received, 0)
      }
      guard count > 0 else { throw BenchError("connection ended") }
      received += count
    }
    return DispatchTime.now().uptimeNanoseconds - started
  }
}

/// A benchmark step that could not run.
struct BenchError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
