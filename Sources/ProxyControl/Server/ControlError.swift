import FaultProxy
import Foundation
import HTTPTypes
import Hummingbird

/// An API failure answered as Toxiproxy answers it: `{"error": "message", "status": CODE}`.
///
/// Toxiproxy writes its errors with Go's `http.Error`, so the body is the JSON followed by a newline
/// and the content type is `text/plain; charset=utf-8`; clients parse the body, and so do we.
public struct ControlError: Error, Sendable, Equatable, HTTPResponseError, CustomStringConvertible {
  public var status: HTTPResponse.Status
  public var message: String

  public init(_ status: HTTPResponse.Status, _ message: String) {
    self.status = status
    self.message = message
  }

  public var description: String { "\(status.code): \(message)" }

  /// Toxiproxy prefixes every body-parsing failure with "bad request body".
  static func badRequest(_ detail: String) -> ControlError {
    ControlError(.badRequest, "bad request body: \(detail)")
  }

  static func missingField(_ field: String) -> ControlError {
    ControlError(.badRequest, "missing required field: \(field)")
  }

  static let proxyNotFound = ControlError(.notFound, "proxy not found")
  static let proxyExists = ControlError(.conflict, "proxy already exists")
  static let toxicNotFound = ControlError(.notFound, "toxic not found")
  static let toxicExists = ControlError(.conflict, "toxic already exists")
  static let invalidStream = ControlError(
    .badRequest, "stream was invalid, can be either upstream or downstream")

  static func invalidToxicType(_ type: String) -> ControlError {
    let known = ToxicCodec.typeNames.joined(separator: ", ")
    return ControlError(.badRequest, "invalid toxic type: \"\(type)\" (known types: \(known))")
  }

  public func response(from request: Request, context: some RequestContext) throws -> Response {
    let escaped = String(
      decoding: (try? JSONEncoder().encode(message)) ?? Data("\"\"".utf8), as: UTF8.self)
    let body = "{\"error\":\(escaped),\"status\":\(status.code)}\n"
    var headers = HTTPFields()
    headers[.contentType] = "text/plain; charset=utf-8"
    headers[.xContentTypeOptions] = "nosniff"
    return Response(
      status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
  }
}

extension ControlError {
  /// Maps a data-plane error to the status Toxiproxy uses for it.
  init(_ error: ProxyError) {
    switch error {
    case .duplicateProxy: self = .proxyExists
    case .unknownProxy: self = .proxyNotFound
    case .invalidAddress: self.init(.badRequest, error.description)
    case .bindFailed, .libuv, .engineStopped: self.init(.internalServerError, error.description)
    }
  }
}
