import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A minimal HTTP/1.1 client over a plain socket (one request per connection), for checking a
/// server's routes byte for byte without a client library that might retry, pool or hide errors.
public enum HTTPProbe {
  /// A complete response.
  public struct Response: Sendable {
    public let status: Int
    /// The header fields by lower-cased name (the last one of a repeated name).
    public let headers: [String: String]
    public let body: [UInt8]

    /// The body parsed as JSON, or nil.
    public var json: Any? { try? JSONSerialization.jsonObject(with: Data(body)) }
    /// The body as a JSON object, or nil.
    public var object: [String: Any]? { json as? [String: Any] }
  }

  /// Why a request got no complete response.
  public struct Failure: Error, CustomStringConvertible {
    public let description: String
  }

  /// Sends one request to `127.0.0.1:port` and reads the whole response (the server closes the
  /// connection, as asked). Runs on a dispatch thread: the socket calls block.
  public static func request(
    _ method: String, _ path: String, port: Int, json body: String? = nil,
    timeout: Duration = .seconds(5)
  ) async throws -> Response {
    try await withCheckedThrowingContinuation { continuation in
      DispatchQueue.global().async {
        continuation.resume(
          with: Result {
            try blockingRequest(method, path, port: port, body: body, timeout: timeout)
          })
      }
    }
  }

  /// Sends only the head of a request whose body would be `declaredLength` bytes, never the body,
  /// and returns the status of the answer the server gives without it (a 413 for a body over its
  /// limit). Fails when no answer's head comes within `timeout`.
  public static func statusWithoutBody(
    _ method: String, _ path: String, port: Int, declaredLength: Int,
    timeout: Duration = .seconds(10)
  ) async throws -> Int {
    let head =
      "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nContent-Length: \(declaredLength)\r\n\r\n"
    let label = "\(method) \(path) (head only)"
    let bytes = try await withCheckedThrowingContinuation { continuation in
      DispatchQueue.global().async {
        continuation.resume(
          with: Result {
            try exchange(
              Array(head.utf8), label: label, port: port, timeout: timeout, untilHeadEnd: true)
          })
      }
    }
    return try parse(bytes, request: label).status
  }

  private static func blockingRequest(
    _ method: String, _ path: String, port: Int, body: String?, timeout: Duration
  ) throws -> Response {
    let payload = Array((body ?? "").utf8)
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
    if body != nil { head += "Content-Type: application/json\r\n" }
    head += "Content-Length: \(payload.count)\r\n\r\n"
    let label = "\(method) \(path)"
    let received = try exchange(
      Array(head.utf8) + payload, label: label, port: port, timeout: timeout, untilHeadEnd: false)
    return try parse(received, request: label)
  }

  /// Connects, sends `request`, and reads until the server closes (or, with `untilHeadEnd`, until
  /// the answer's head is complete).
  private static func exchange(
    _ request: [UInt8], label: String, port: Int, timeout: Duration, untilHeadEnd: Bool
  ) throws -> [UInt8] {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    guard descriptor >= 0 else { throw Failure(description: "socket(): errno \(errno)") }
    defer { close(descriptor) }
    var limit = timeval(
      tv_sec: Int(timeout.components.seconds),
      tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else {
      throw Failure(description: "\(label): connect to port \(port) failed: errno \(errno)")
    }
    var sent = 0
    while sent < request.count {
      let count = request[sent...].withUnsafeBytes {
        send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      guard count > 0 else {
        throw Failure(description: "\(label): send failed: errno \(errno)")
      }
      sent += count
    }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    let headEnd: [UInt8] = Array("\r\n\r\n".utf8)
    while !(untilHeadEnd && received.firstRange(of: headEnd) != nil) {
      let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
      if count > 0 {
        received += buffer[..<count]
      } else if count == 0 {
        break
      } else if errno != EINTR {
        throw Failure(description: "\(label): no complete answer (errno \(errno))")
      }
    }
    return received
  }

  /// Parses a complete raw response: status line, headers, body (a chunked body is decoded).
  public static func parse(_ bytes: [UInt8], request: String) throws -> Response {
    let separator: [UInt8] = Array("\r\n\r\n".utf8)
    guard let split = bytes.firstRange(of: separator) else {
      throw Failure(
        description: "\(request): malformed answer (\(bytes.count) bytes, no header end)")
    }
    let head = String(decoding: bytes[..<split.lowerBound], as: UTF8.self)
    let statusLine = head.split(separator: "\r\n").first ?? ""
    let parts = statusLine.split(separator: " ")
    guard parts.count >= 2, let status = Int(parts[1]) else {
      throw Failure(description: "\(request): malformed status line \"\(statusLine)\"")
    }
    var headers: [String: String] = [:]
    for line in head.split(separator: "\r\n").dropFirst() {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
        in: .whitespaces)
    }
    var body = Array(bytes[split.upperBound...])
    if headers["transfer-encoding"]?.lowercased() == "chunked" {
      body = try dechunk(body, request: request)
    }
    return Response(status: status, headers: headers, body: body)
  }

  private static func dechunk(_ bytes: [UInt8], request: String) throws -> [UInt8] {
    var result: [UInt8] = []
    var index = 0
    let lineEnd: [UInt8] = Array("\r\n".utf8)
    while index < bytes.count {
      guard let end = bytes[index...].firstRange(of: lineEnd),
        let size = Int(
          String(decoding: bytes[index..<end.lowerBound], as: UTF8.self)
            .split(separator: ";").first ?? "", radix: 16)
      else { throw Failure(description: "\(request): malformed chunked body") }
      if size == 0 { break }
      let start = end.upperBound
      guard start + size <= bytes.count else {
        throw Failure(description: "\(request): truncated chunked body")
      }
      result += bytes[start..<start + size]
      index = start + size + 2
    }
    return result
  }
}
