import FaultProxy
import Hummingbird

/// `/proxies/{proxy}/toxics` and `/proxies/{proxy}/toxics/{toxic}`.
///
/// Every change is one read-modify-write of the proxy's fault list in the engine (checks run inside
/// it, so a rejected change leaves the list untouched), then applied by every loop in one turn.
struct ToxicRoutes: Sendable {
  let directory: ProxyDirectory
  let body: RequestBodyReader

  private var engine: ProxyEngine { directory.engine }

  func add(to router: Router<BasicRequestContext>) {
    router.get("/proxies/:proxy/toxics") { _, context in
      try index(try context.parameters.require("proxy"))
    }
    router.post("/proxies/:proxy/toxics") { request, context in
      try await create(try context.parameters.require("proxy"), request)
    }
    router.get("/proxies/:proxy/toxics/:toxic") { _, context in
      try show(try context.parameters.require("proxy"), try context.parameters.require("toxic"))
    }
    router.post("/proxies/:proxy/toxics/:toxic") { request, context in
      try await update(
        try context.parameters.require("proxy"), try context.parameters.require("toxic"), request)
    }
    router.patch("/proxies/:proxy/toxics/:toxic") { request, context in
      try await update(
        try context.parameters.require("proxy"), try context.parameters.require("toxic"), request)
    }
    router.delete("/proxies/:proxy/toxics/:toxic") { _, context in
      try await delete(
        try context.parameters.require("proxy"), try context.parameters.require("toxic"))
    }
  }

  private func representation(_ spec: FaultSpec, proxy: String) -> ToxicRepresentation {
    ToxicRepresentation(spec)
  }

  private func index(_ proxy: String) throws -> Response {
    try JSONResponse.make(
      try engine.faults(forProxy: proxy).map { representation($0, proxy: proxy) })
  }

  private func create(_ proxy: String, _ request: Request) async throws -> Response {
    _ = try directory.info(named: proxy)
    let spec = try ToxicRequest.create(from: try await body.json(of: request))
    try await engine.updateFaults(forProxy: proxy) { faults in
      guard !faults.contains(where: { $0.name == spec.name }) else {
        throw ControlError.toxicExists
      }
      return (faults + [spec], ())
    }
    // Toxiproxy answers a created toxic with 200, not 201.
    return try JSONResponse.make(representation(spec, proxy: proxy))
  }

  private func show(_ proxy: String, _ toxic: String) throws -> Response {
    guard let spec = try engine.faults(forProxy: proxy).first(where: { $0.name == toxic }) else {
      throw ControlError.toxicNotFound
    }
    return try JSONResponse.make(representation(spec, proxy: proxy))
  }

  private func update(_ proxy: String, _ toxic: String, _ request: Request) async throws -> Response
  {
    _ = try directory.info(named: proxy)
    let patch = try await body.json(of: request)
    let new = try await engine.updateFaults(forProxy: proxy) { faults in
      guard let index = faults.firstIndex(where: { $0.name == toxic }) else {
        throw ControlError.toxicNotFound
      }
      var changed = faults
      changed[index] = try ToxicRequest.update(faults[index], body: patch)
      return (changed, changed[index])
    }
    return try JSONResponse.make(representation(new, proxy: proxy))
  }

  private func delete(_ proxy: String, _ toxic: String) async throws -> Response {
    try await engine.updateFaults(forProxy: proxy) { faults in
      guard let index = faults.firstIndex(where: { $0.name == toxic }) else {
        throw ControlError.toxicNotFound
      }
      var remaining = faults
      remaining.remove(at: index)
      return (remaining, ())
    }
    return JSONResponse.noContent()
  }
}
