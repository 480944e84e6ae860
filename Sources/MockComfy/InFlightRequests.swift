import FaultlineLocking
import Hummingbird

/// Counts HTTP requests being answered, so that stopping the server can wait for them to be answered
/// before the listener goes away ("answer in-flight requests" on SIGTERM).
final class InFlightRequests: Sendable {
  private let count = Locked(0)

  var current: Int { count.withLock { $0 } }

  func begin() { count.withLock { $0 += 1 } }
  func end() { count.withLock { $0 -= 1 } }
}

/// The middleware side of `InFlightRequests`.
struct InFlightMiddleware<Context: RequestContext>: RouterMiddleware {
  let requests: InFlightRequests

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    requests.begin()
    defer { requests.end() }
    return try await next(request, context)
  }
}
