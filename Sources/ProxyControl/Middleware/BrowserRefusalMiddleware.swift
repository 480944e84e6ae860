import Hummingbird

/// Refuses requests that come from a web browser, so that a page the user visits cannot reconfigure
/// proxies: a User-Agent starting with `Mozilla/` (Toxiproxy's rule, answered as Toxiproxy does) and,
/// beyond Toxiproxy, any `Origin` other than the API's own address (a cross-site fetch).
struct BrowserRefusalMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  )
    async throws -> Response
  {
    if request.headers[.userAgent]?.hasPrefix("Mozilla/") == true {
      var headers = HTTPFields()
      headers[.contentType] = "text/plain; charset=utf-8"
      return Response(
        status: .forbidden, headers: headers,
        body: ResponseBody(byteBuffer: ByteBuffer(string: "User agent not allowed\n")))
    }
    if let origin = request.headers[.origin],
      !Self.isSameOrigin(origin, host: request.head.authority)
    {
      throw ControlError(.forbidden, "cross-site request refused (Origin \(origin))")
    }
    return try await next(request, context)
  }

  /// Whether `origin` (`scheme://host[:port]`) names the address the request was sent to.
  static func isSameOrigin(_ origin: String, host: String?) -> Bool {
    guard let host, let separator = origin.range(of: "://") else { return false }
    return origin[separator.upperBound...].lowercased() == host.lowercased()
  }
}
