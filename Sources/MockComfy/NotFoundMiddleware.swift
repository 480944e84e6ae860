import Hummingbird
import NIOCore

/// aiohttp's answers for a path no route serves (404) or a method a path does not take (405): a text
/// body naming the status, where Hummingbird would send an empty one.
struct NotFoundMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    do {
      return try await next(request, context)
    } catch let error as HTTPError where error.status == .notFound {
      return HTTPReplies.text("404: Not Found", status: .notFound)
    } catch let error as HTTPError where error.status == .methodNotAllowed {
      return HTTPReplies.text("405: Method Not Allowed", status: .methodNotAllowed)
    }
  }
}
