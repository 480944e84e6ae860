import Hummingbird
import NIOCore

/// Response helpers: JSON as aiohttp's `json_response` writes it, and empty answers with a bare status.
enum HTTPReplies {
  static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
    Response(
      status: status,
      headers: [.contentType: "application/json; charset=utf-8"],
      body: .init(byteBuffer: ByteBuffer(string: value.pythonJSONText)))
  }

  static func empty(_ status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status)
  }

  static func text(_ text: String, status: HTTPResponse.Status) -> Response {
    Response(
      status: status, headers: [.contentType: "text/plain; charset=utf-8"],
      body: .init(byteBuffer: ByteBuffer(string: text)))
  }

  /// aiohttp's answer to a handler that raised (a body that is not JSON, for one): 500 with a text body.
  static func internalServerError() -> Response {
    text("500 Internal Server Error\n\nServer got itself in trouble", status: .internalServerError)
  }

  /// Reads the whole body (bounded by the upload limit) and parses it as JSON; an empty body is `{}`.
  static func jsonBody(of request: Request, limit: Int) async throws -> Result<
    JSONValue, JSONValue.ParseError
  > {
    let buffer = try await request.body.collect(upTo: limit)
    let bytes = Array(buffer.readableBytesView)
    if bytes.allSatisfy({ [0x20, 0x0A, 0x0D, 0x09].contains($0) }) { return .success([:]) }
    do {
      return .success(try JSONValue.parse(bytes))
    } catch {
      return .failure(error)
    }
  }
}
