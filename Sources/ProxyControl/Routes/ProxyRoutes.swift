import FaultProxy
import Hummingbird

/// `/proxies` and `/proxies/{proxy}`: list, create, show, update, delete.
struct ProxyRoutes: Sendable {
  let directory: ProxyDirectory
  let body: RequestBodyReader

  func add(to router: Router<BasicRequestContext>) {
    router.get("/proxies") { _, _ in try index() }
    router.post("/proxies") { request, _ in try await create(request) }
    router.get("/proxies/:proxy") { _, context in try show(try context.parameters.require("proxy"))
    }
    router.post("/proxies/:proxy") { request, context in
      try await update(try context.parameters.require("proxy"), request)
    }
    router.patch("/proxies/:proxy") { request, context in
      try await update(try context.parameters.require("proxy"), request)
    }
    router.delete("/proxies/:proxy") { _, context in
      try await directory.delete(named: try context.parameters.require("proxy"))
      return JSONResponse.noContent()
    }
  }

  private func index() throws -> Response {
    let proxies = directory.engine.proxies()
    return try JSONResponse.make(
      Dictionary(uniqueKeysWithValues: proxies.map { ($0.name, directory.representation($0)) }))
  }

  private func create(_ request: Request) async throws -> Response {
    let parsed = try ProxyRequest(try await body.json(of: request))
    let info = try await directory.create(parsed)
    return try JSONResponse.make(directory.representation(info), status: .created)
  }

  private func show(_ name: String) throws -> Response {
    try JSONResponse.make(directory.representation(try directory.info(named: name)))
  }

  private func update(_ name: String, _ request: Request) async throws -> Response {
    _ = try directory.info(named: name)
    let info = try await directory.update(named: name, body: try await body.json(of: request))
    return try JSONResponse.make(directory.representation(info))
  }
}
