import FaultProxy
import Foundation
import Hummingbird

/// `/populate`, `/reset` and `/version`: the routes that act on the whole server.
struct ServerRoutes: Sendable {
  /// Toxiproxy's version this API answers as, with our suffix so that clients can tell.
  static let version = "2.12.0-faultline"

  let directory: ProxyDirectory
  let body: RequestBodyReader

  func add(to router: Router<BasicRequestContext>) {
    router.post("/populate") { request, _ in try await populate(request) }
    router.post("/reset") { _, _ in
      try await directory.engine.resetAll()
      return JSONResponse.noContent()
    }
    router.get("/version") { _, _ in
      var headers = HTTPFields()
      headers[.contentType] = "application/json;charset=utf-8"
      return Response(
        status: .ok, headers: headers,
        body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"version\": \"\(Self.version)\"}\n")))
    }
  }

  /// Checks every entry first (400 names the entry and field), then applies them in order.
  private func populate(_ request: Request) async throws -> Response {
    let requests = try ProxyDirectory.parsePopulate(try await body.json(of: request))
    let (proxies, error) = await directory.populate(requests)
    var answer = PopulateRepresentation(proxies: proxies.map(directory.representation))
    guard let error else { return try JSONResponse.make(answer, status: .created) }
    let failure =
      (error as? ProxyError).map(ControlError.init) ?? (error as? ControlError)
      ?? ControlError(.internalServerError, "\(error)")
    answer.error = failure.message
    answer.status = failure.status.code
    return try JSONResponse.make(answer, status: failure.status)
  }
}
