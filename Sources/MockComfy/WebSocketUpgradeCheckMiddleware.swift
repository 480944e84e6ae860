import Hummingbird

/// aiohttp's answer to a plain request for the WebSocket path (`/ws`, `/api/ws`) that does not ask to
/// upgrade to a WebSocket: 400 with its text, where Hummingbird would answer 200.
struct WebSocketUpgradeCheckMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    let path = request.uri.path
    let upgrade = request.headers[.upgrade]
    if request.method == .get, path == "/ws" || path == "/api/ws",
      upgrade?.lowercased() != "websocket"
    {
      return HTTPReplies.text(
        "No WebSocket UPGRADE hdr: \(upgrade ?? "None")\n Can \"Upgrade\" only to \"WebSocket\".",
        status: .badRequest)
    }
    return try await next(request, context)
  }
}
