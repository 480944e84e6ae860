import FaultHarness
import FaultlineTestSupport
import Foundation
import Testing

/// One HTTP/1.1 response as the test client read it.
struct HTTPTestResponse: Sendable {
  var status: Int
  /// Header names lower-cased.
  var headers: [String: String]
  var body: Data

  var text: String { String(decoding: body, as: UTF8.self) }

  /// The body parsed as JSON.
  func json() throws -> Any {
    try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
  }

  func object() throws -> [String: Any] {
    try #require(try json() as? [String: Any], "expected a JSON object, got \(text)")
  }

  func array() throws -> [[String: Any]] {
    try #require(try json() as? [[String: Any]], "expected a JSON array, got \(text)")
  }
}

/// A raw HTTP/1.1 client (one connection per request) so tests control every header and byte.
struct HTTPTestClient: Sendable {
  let port: Int
  var userAgent = "faultline-tests"

  func get(_ path: String) async throws -> HTTPTestResponse {
    try await send("GET", path)
  }

  func delete(_ path: String) async throws -> HTTPTestResponse {
    try await send("DELETE", path)
  }

  func post(_ path: String, json: Any) async throws -> HTTPTestResponse {
    try await send(
      "POST", path,
      body: try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed]))
  }

  func patch(_ path: String, json: Any) async throws -> HTTPTestResponse {
    try await send(
      "PATCH", path,
      body: try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed]))
  }

  func send(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:])
    async throws
    -> HTTPTestResponse
  {
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
    var allHeaders = ["User-Agent": userAgent]
    allHeaders.merge(headers) { _, new in new }
    for (name, value) in allHeaders.sorted(by: { $0.key < $1.key }) {
      head += "\(name): \(value)\r\n"
    }
    if let body {
      head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
    } else if method != "GET" {
      head += "Content-Length: 0\r\n"
    }
    let request = Data((head + "\r\n").utf8) + (body ?? Data())
    let port = self.port
    let raw = try await blocking { () -> Data in
      let socket = try BlockingSocket.connect(port: UInt16(port))
      defer { socket.close() }
      try socket.send(Array(request))
      return Data(try socket.receiveAll())
    }
    return try Self.parse(raw)
  }

  static func parse(_ raw: Data) throws -> HTTPTestResponse {
    let response = try HTTPProbe.parse(Array(raw), request: "a test request")
    return HTTPTestResponse(
      status: response.status, headers: response.headers, body: Data(response.body))
  }
}
