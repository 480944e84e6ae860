import Glibc

/// A socket of the test on a free port of 127.0.0.1: listening with `backlog`, or, when `backlog` is
/// nil, only bound, so that connections to it are refused. The caller closes `descriptor`.
public func loopbackSocket(listeningWith backlog: Int32?) throws -> (
  descriptor: Int32, port: UInt16
) {
  let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
  guard descriptor >= 0 else { throw SocketError.failed("socket", errno) }
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_addr.s_addr = inet_addr("127.0.0.1")
  var length = socklen_t(MemoryLayout<sockaddr_in>.size)
  let ready = withUnsafeMutablePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
      bind(descriptor, $0, length) == 0 && (backlog.map { listen(descriptor, $0) == 0 } ?? true)
        && getsockname(descriptor, $0, &length) == 0
    }
  }
  guard ready else {
    let code = errno
    close(descriptor)
    throw SocketError.failed(backlog == nil ? "bind" : "bind/listen", code)
  }
  return (descriptor, UInt16(bigEndian: address.sin_port))
}
