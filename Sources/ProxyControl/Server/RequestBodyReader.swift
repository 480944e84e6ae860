import Foundation
import Hummingbird
import NIOCore

/// Reads request bodies with a size limit, so a client cannot make the control plane buffer
/// without bound, and parses them into JSON values with Toxiproxy's "bad request body" errors.
struct RequestBodyReader: Sendable {
  /// Largest body accepted, in bytes; larger ones get 413.
  let limit: Int

  /// The raw body, at most `limit` bytes.
  func bytes(of request: Request) async throws -> ByteBuffer {
    do {
      return try await request.body.collect(upTo: limit)
    } catch is NIOTooManyBytesError {
      throw ControlError(.contentTooLarge, "request body larger than \(limit) bytes")
    }
  }

  /// The body as JSON; an empty or malformed body is a 400 naming the problem.
  func json(of request: Request) async throws -> JSONValue {
    let buffer = try await bytes(of: request)
    guard buffer.readableBytes > 0 else {
      throw ControlError.badRequest("empty body, expected JSON")
    }
    do {
      return try JSONDecoder().decode(JSONValue.self, from: Data(buffer: buffer))
    } catch let error as DecodingError {
      throw ControlError.badRequest("malformed JSON (\(Self.describe(error)))")
    }
  }

  /// The body as UTF-8 text (a profile's YAML).
  func text(of request: Request) async throws -> String {
    let buffer = try await bytes(of: request)
    guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
      throw ControlError.badRequest("body is not UTF-8 text")
    }
    return text
  }

  private static func describe(_ error: DecodingError) -> String {
    switch error {
    case .dataCorrupted(let context):
      let underlying = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey]
      return (underlying as? String) ?? context.debugDescription
    default:
      return "\(error)"
    }
  }
}
