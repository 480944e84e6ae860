import Hummingbird
import NIOCore

/// The real server's answers for a path no route serves and a method a path does not take. Its
/// frontend's static route takes every other path for GET and HEAD, so an unknown path gets 404 with
/// an empty `application/octet-stream` body, and any other method on it aiohttp's 405 text.
struct NotFoundMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    do {
      return try await next(request, context)
    } catch let error as HTTPError where error.status == .notFound {
      guard request.method == .get || request.method == .head else {
        var reply = HTTPReplies.text("405: Method Not Allowed", status: .methodNotAllowed)
        reply.headers[.allow] = "GET,HEAD"
        return reply
      }
      return Response(status: .notFound, headers: [.contentType: "application/octet-stream"])
    } catch let error as HTTPError where error.status == .methodNotAllowed {
      return HTTPReplies.text("405: Method Not Allowed", status: .methodNotAllowed)
    }
  }
}
