import Hummingbird

/// Refuses a request whose `Content-Length` is over the limit before reading a byte of its body,
/// so a client announcing gigabytes gets its 413 at once instead of after the server has taken
/// `limit` bytes. Bodies without a length (chunked) are still cut by each route's
/// `collect(upTo:)`.
public struct DeclaredBodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
  /// Largest body accepted, in bytes.
  public let limit: Int
  /// The error answered (a 413) for a declared length over the limit, in the server's own format.
  public let refusal: @Sendable (_ declared: Int) -> any Error

  public init(limit: Int, refusal: @escaping @Sendable (_ declared: Int) -> any Error) {
    self.limit = limit
    self.refusal = refusal
  }

  public func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    // A length that does not parse is the HTTP parser's to refuse; one too large for Int is over.
    if let declared = request.headers[.contentLength],
      declared.allSatisfy(\.isASCIIDigit), !declared.isEmpty
    {
      let length = Int(declared) ?? Int.max
      if length > limit { throw refusal(length) }
    }
    return try await next(request, context)
  }
}

extension Character {
  fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
