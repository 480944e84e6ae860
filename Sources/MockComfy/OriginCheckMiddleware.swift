import FaultlineServing
import Hummingbird

/// The real server's `origin_only_middleware`: a request to a loopback host whose `Origin` names another
/// host (a browser on some other site) gets 403.
struct OriginCheckMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    if let host = request.head.authority?.lowercased(),
      let origin = request.headers[.origin]?.lowercased(),
      let originAuthority = origin.split(separator: "://", maxSplits: 1).last.map(String.init)
    {
      let (hostName, hostPort) = Self.split(authority: host)
      let (originName, originPort) = Self.split(authority: originAuthority)
      // Like the real check: when one side has no port, compare host names only.
      let hostSide = originPort == nil ? hostName : host
      let originSide = hostPort == nil ? originName : originAuthority
      if LoopbackHost.contains(hostName), !hostSide.isEmpty, !originSide.isEmpty,
        hostSide != originSide
      {
        return Response(status: .forbidden)
      }
    }
    return try await next(request, context)
  }

  static func split(authority: String) -> (host: String, port: String?) {
    if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
      let host = String(authority[authority.index(after: authority.startIndex)..<end])
      let rest = authority[authority.index(after: end)...]
      return (host, rest.hasPrefix(":") ? String(rest.dropFirst()) : nil)
    }
    let parts = authority.split(separator: ":", maxSplits: 1)
    return (parts.first.map(String.init) ?? "", parts.count > 1 ? String(parts[1]) : nil)
  }
}
