import Hummingbird

/// Records every HTTP request and its status in the process's `MockEventLog`.
struct MockEventMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    guard MockEventLog.shared.isRecording else { return try await next(request, context) }
    let method = request.method.rawValue
    let path = request.uri.path
    do {
      let response = try await next(request, context)
      MockEventLog.shared.record(
        "http",
        ["method": .string(method), "path": .string(path), "status": .int(response.status.code)])
      return response
    } catch let error as any HTTPResponseError {
      MockEventLog.shared.record(
        "http",
        ["method": .string(method), "path": .string(path), "status": .int(error.status.code)])
      throw error
    }
  }
}
