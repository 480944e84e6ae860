import FaultProxy
import Foundation
import Glibc

/// A plain blocking POSIX socket for driving the proxy from the outside in tests.
///
/// Every receive has a timeout so a broken proxy fails a test instead of hanging it.
public final class BlockingSocket: @unchecked Sendable {
  // @unchecked: the descriptor and its use count are guarded by `lock`; each test uses one socket
  // from one thread at a time, except `close` and `shutdownAndClose`, which may come from another.
  private let lock = NSLock()
  private var descriptor: Int32
  /// Calls in progress on `descriptor`. Its number goes back to the kernel (close) only once none
  /// is left: a call that read the number and then ran after a close from another thread would act
  /// on whatever socket another test opened under that number (an echo server's last
  /// `shutdownWrite` half-closed a stranger's connection, which read EOF after 0 bytes).
  private var users = 0
  private var closeRequested = false

  public init(descriptor: Int32) {
    self.descriptor = descriptor
    setTimeout(seconds: 20)
  }

  /// The descriptor, for calls of a test's own (`poll`, `fcntl`) on a socket no other thread closes;
  /// everything else goes through `withDescriptor`.
  public var fd: Int32 { lock.withLock { descriptor } }

  /// Runs `body` with the descriptor (-1 once closed), which stays open until `body` returns, even
  /// if another thread closes the socket meanwhile.
  public func withDescriptor<T>(_ body: (Int32) throws -> T) rethrows -> T {
    let fd = lock.withLock { () -> Int32 in
      guard descriptor >= 0, !closeRequested else { return -1 }
      users += 1
      return descriptor
    }
    defer {
      if fd >= 0 {
        lock.withLock {
          users -= 1
          if users == 0 && closeRequested { closeNow() }
        }
      }
    }
    return try body(fd)
  }

  /// Connects to `host:port` (IPv4 or IPv6 literal).
  public static func connect(host: String = "127.0.0.1", port: UInt16) throws -> BlockingSocket {
    let isIPv6 = host.contains(":")
    // Close-on-exec: a process another test spawns must not inherit the socket, or closing it here
    // would neither send a FIN nor a RST.
    let fd = socket(
      isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw SocketError.failed("socket", errno) }
    let status = withSockAddr(host: host, port: port) { address, length in
      Glibc.connect(fd, address, length)
    }
    guard status == 0 else {
      let code = errno
      Glibc.close(fd)
      throw SocketError.failed("connect", code)
    }
    return BlockingSocket(descriptor: fd)
  }

  public func setTimeout(seconds: Int) {
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    withDescriptor { fd in
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }
  }

  public func send(_ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
      let written = withDescriptor { fd in
        bytes[offset...].withUnsafeBytes {
          Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
        }
      }
      guard written > 0 else { throw SocketError.failed("send", errno) }
      offset += written
    }
  }

  /// Reads what is available, up to `maximum` bytes; an empty result means EOF.
  public func receive(maximum: Int = 65536) throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: maximum)
    let count = withDescriptor { fd in
      buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, maximum, 0) }
    }
    guard count >= 0 else { throw SocketError.failed("recv", errno) }
    return Array(buffer.prefix(count))
  }

  /// Reads exactly `count` bytes or throws.
  public func receive(exactly count: Int) throws -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(count)
    while result.count < count {
      let part = try receive(maximum: min(65536, count - result.count))
      guard !part.isEmpty else { throw SocketError.unexpectedEOF(received: result.count) }
      result += part
    }
    return result
  }

  /// Reads until EOF.
  public func receiveAll() throws -> [UInt8] {
    var result: [UInt8] = []
    while true {
      let part = try receive()
      if part.isEmpty { return result }
      result += part
    }
  }

  /// What one read brought: bytes, the end of the stream, or an error (EAGAIN after the timeout).
  public func nextReadOutcome() -> ReadOutcome {
    do {
      return try receive().isEmpty ? .endOfStream : .data
    } catch {
      return .failed((error as? SocketError)?.errnoValue ?? -1)
    }
  }

  /// Reads until the stream ends: `.endOfStream` for a FIN, `.failed(errno)` for a reset or a timeout.
  public func drainOutcome() -> ReadOutcome {
    while true {
      let outcome = nextReadOutcome()
      if outcome != .data { return outcome }
    }
  }

  /// Half-closes the write side: the peer reads EOF.
  public func shutdownWrite() {
    withDescriptor { fd in _ = Glibc.shutdown(fd, Int32(SHUT_WR)) }
  }

  /// Closes with RST: SO_LINGER with a zero timeout.
  public func reset() {
    var option = linger(l_onoff: 1, l_linger: 0)
    withDescriptor { fd in
      _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    }
    close()
  }

  /// Wakes any thread blocked on the socket (a plain close does not on Linux), then closes it once
  /// that thread's call has returned.
  public func shutdownAndClose() {
    lock.withLock {
      guard descriptor >= 0, !closeRequested else { return }
      Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
      closeLocked()
    }
  }

  /// Closes the socket now, or as soon as the calls in progress on it return.
  public func close() {
    lock.withLock {
      guard descriptor >= 0, !closeRequested else { return }
      closeLocked()
    }
  }

  private func closeLocked() {
    if users == 0 { closeNow() } else { closeRequested = true }
  }

  private func closeNow() {
    Glibc.close(descriptor)
    descriptor = -1
    closeRequested = false
  }

  deinit { close() }
}

/// How a read ended.
public enum ReadOutcome: Equatable, Sendable {
  case data
  case endOfStream
  case failed(Int32)
}

/// A socket call that failed, with its errno.
public enum SocketError: Error, Equatable, CustomStringConvertible {
  case failed(String, Int32)
  case unexpectedEOF(received: Int)

  public var errnoValue: Int32? {
    if case .failed(_, let code) = self { return code }
    return nil
  }

  public var description: String {
    switch self {
    case .failed(let call, let code): "\(call): \(String(cString: strerror(code))) (errno \(code))"
    case .unexpectedEOF(let received): "EOF after \(received) bytes"
    }
  }
}

/// Calls `body` with a literal loopback or other numeric `host` and `port` as a `sockaddr` and its
/// length: FaultProxy's `SocketAddress`, the one place that builds them.
public func withSockAddr<T>(
  host: String, port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T
) -> T {
  // A literal address never fails to parse; a name is not what tests pass here.
  let address = try! SocketAddress(host: host, port: port)
  return address.withSockAddr(body)
}
