import FaultlineHTTP
import Foundation
import MockComfy

/// A minimal HTTP client for the tests: status, body bytes and the body parsed as JSON when it is JSON.
struct HTTPReply: Sendable {
  let status: Int
  let body: [UInt8]
  let headers: [(String, String)]

  var json: JSONValue? { try? JSONValue.parse(body) }

  func header(_ name: String) -> String? {
    headers.first { $0.0.lowercased() == name.lowercased() }?.1
  }
}

enum HTTP {
  static func request(
    _ method: HTTPMethod, _ url: String, body: [UInt8]? = nil, headers: [(String, String)] = []
  ) async throws -> HTTPReply {
    let response = try await HTTPRequester().send(
      method, url, headers: headers, body: body, timeout: .seconds(10))
    return HTTPReply(
      status: response.status, body: response.body,
      headers: response.headers.map { ($0.name, $0.value) })
  }

  static func get(_ url: String, headers: [(String, String)] = []) async throws -> HTTPReply {
    try await request(.GET, url, headers: headers)
  }

  static func post(_ url: String, json: JSONValue) async throws -> HTTPReply {
    try await request(
      .POST, url, body: Array(json.pythonJSONText.utf8),
      headers: [("Content-Type", "application/json")])
  }

  static func post(_ url: String, raw: String) async throws -> HTTPReply {
    try await request(
      .POST, url, body: Array(raw.utf8), headers: [("Content-Type", "application/json")])
  }
}
