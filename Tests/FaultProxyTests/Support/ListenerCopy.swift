import Foundation
import Glibc

/// A second descriptor for this process's socket listening on a TCP port, as a child process
/// holds one between its spawn and its `exec`: the socket lives on until every copy is closed.
final class ListenerCopy {
  let descriptor: Int32

  /// Duplicates the descriptor of the socket listening on `port`, or returns nil if none does.
  init?(port: UInt16) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    guard let listening = names.compactMap(Int32.init).first(where: { Self.listens($0, on: port) })
    else { return nil }
    descriptor = fcntl(listening, F_DUPFD_CLOEXEC, 0)
    guard descriptor >= 0 else { return nil }
  }

  private static func listens(_ fd: Int32, on port: UInt16) -> Bool {
    var accepting: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0, accepting == 1
    else { return false }
    var address = sockaddr_in()
    var size = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) }
    }
    return named == 0 && address.sin_family == sa_family_t(AF_INET)
      && UInt16(bigEndian: address.sin_port) == port
  }

  deinit { close(descriptor) }
}
