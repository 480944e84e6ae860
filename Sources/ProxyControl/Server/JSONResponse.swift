import Foundation
import Hummingbird

/// Builds the JSON responses of the API, with Toxiproxy's content type.
enum JSONResponse {
  private static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }()

  static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let data = try encoder.encode(value)
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(
      status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
  }

  /// An empty answer, as Toxiproxy gives for deletions and `/reset`.
  static func noContent() -> Response {
    Response(status: .noContent)
  }
}
