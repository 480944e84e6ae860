import FaultlineTestSupport
import Foundation
import Glibc

/// A blocking IPv4 TCP socket for tests, with timeouts on every read and write.
///
/// Blocking calls must not run on the Swift concurrency pool (the server under test shares it), so
/// async callers go through `blocking` (FaultlineTestSupport).
final class TCPSocket: @unchecked Sendable {
  // @unchecked: `fd` is immutable; each socket is used by one thread at a time by construction.
  let fd: Int32

  init(fd: Int32) {
    self.fd = fd
  }

  /// Connects to 127.0.0.1:`port`; throws with the errno name on failure (ECONNREFUSED for a closed port).
  static func connect(port: Int, timeout: TimeInterval = 5) throws -> TCPSocket {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw TestSocketError.failed("socket", errno) }
    let socket = TCPSocket(fd: fd)
    socket.setTimeout(timeout)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let status = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard status == 0 else {
      let code = errno
      socket.close()
      throw TestSocketError.failed("connect", code)
    }
    var yes: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
    return socket
  }

  func setTimeout(_ seconds: TimeInterval) {
    var value = timeval(
      tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
  }

  func send(_ data: Data) throws {
    try data.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let sent = Glibc.send(
          fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
        if sent < 0 {
          if errno == EINTR { continue }
          throw TestSocketError.failed("send", errno)
        }
        offset += sent
      }
    }
  }

  /// Up to `maximum` bytes; empty at end of stream.
  func receive(maximum: Int = 65_536) throws -> Data {
    var buffer = [UInt8](repeating: 0, count: maximum)
    while true {
      let count = recv(fd, &buffer, maximum, 0)
      if count < 0 {
        if errno == EINTR { continue }
        throw TestSocketError.failed("recv", errno)
      }
      return Data(buffer[0..<count])
    }
  }

  /// Exactly `count` bytes, or throws if the stream ends first.
  func receive(exactly count: Int) throws -> Data {
    var data = Data()
    while data.count < count {
      let chunk = try receive(maximum: min(65_536, count - data.count))
      guard !chunk.isEmpty else {
        throw TestSocketError.endOfStream(received: data.count, expected: count)
      }
      data += chunk
    }
    return data
  }

  /// Everything until the peer closes.
  func receiveAll() throws -> Data {
    var data = Data()
    while true {
      let chunk = try receive()
      if chunk.isEmpty { return data }
      data += chunk
    }
  }

  func close() {
    Glibc.close(fd)
  }

}

enum TestSocketError: Error, CustomStringConvertible, Equatable {
  case failed(String, Int32)
  case endOfStream(received: Int, expected: Int)

  var code: Int32? {
    if case .failed(_, let code) = self { return code }
    return nil
  }

  var description: String {
    switch self {
    case .failed(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
    case .endOfStream(let received, let expected):
      "stream ended after \(received) of \(expected) bytes"
    }
  }
}
