import FaultProxy
import HTTPTypes
import Hummingbird

/// Gives every response an `X-Toxiproxy-Request-Id` header, as Toxiproxy does, and turns thrown
/// errors into Toxiproxy-shaped error responses so that they carry the header too.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
  static var headerName: HTTPField.Name { HTTPField.Name("X-Toxiproxy-Request-Id")! }

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  )
    async throws -> Response
  {
    var response: Response
    do {
      response = try await next(request, context)
    } catch let error as ProxyError {
      response = try ControlError(error).response(from: request, context: context)
    } catch let error as HTTPError {
      // The router's own failures (unknown route, wrong method) in the API's error shape.
      let message = error.body ?? error.status.reasonPhrase.lowercased()
      response = try ControlError(error.status, message).response(from: request, context: context)
    } catch let error as any HTTPResponseError {
      response = try error.response(from: request, context: context)
    } catch {
      response = try ControlError(.internalServerError, "\(error)").response(
        from: request, context: context)
    }
    response.headers[Self.headerName] = Self.makeID()
    return response
  }

  /// 20 characters of base32hex, the shape of the xid Toxiproxy uses.
  static func makeID() -> String {
    let alphabet = Array("0123456789abcdefghijklmnopqrstuv")
    var generator = SystemRandomNumberGenerator()
    return String((0..<20).map { _ in alphabet[Int(generator.next() % 32)] })
  }
}
