import Foundation
import Hummingbird

/// `/faultline/servers...`: the life of the mock servers behind the proxies, over HTTP, so a test in
/// any language can crash, freeze and restart its server (docs/control-api.md).
struct ServerLifeRoutes: Sendable {
  let servers: any ServerLifeControl
  let body: RequestBodyReader

  func add(to router: Router<BasicRequestContext>) {
    router.get("/faultline/servers") { _, _ in
      try JSONResponse.make(["servers": await servers.serverStatuses()])
    }
    router.post("/faultline/servers") { request, _ in
      var fields = try await object(of: request)
      let port = try fields.count("port", in: 0...65_535) ?? 0
      try fields.rejectUnknownFields(allowed: ["port"])
      return try JSONResponse.make(
        try await mapped {
          try await servers.startServer(port: port)
        }, status: .created)
    }
    router.delete("/faultline/servers") { _, _ in
      await servers.stopAllServers()
      return JSONResponse.noContent()
    }
    router.get("/faultline/servers/:port") { _, context in
      let port = try port(context)
      return try JSONResponse.make(
        try await mapped {
          try await servers.serverStatus(port: port)
        })
    }
    router.delete("/faultline/servers/:port") { _, context in
      let port = try port(context)
      return try JSONResponse.make(
        try await mapped {
          try await servers.stopServer(port: port)
        })
    }
    let actions: [(String, @Sendable (any ServerLifeControl, Int) async throws -> ServerStatus)] = [
      ("stop", { try await $0.stopServer(port: $1) }),
      ("kill", { try await $0.killServer(port: $1) }),
      ("pause", { try await $0.pauseServer(port: $1) }),
      ("resume", { try await $0.resumeServer(port: $1) }),
    ]
    for (name, action) in actions {
      router.post("/faultline/servers/:port/\(name)") { _, context in
        let port = try port(context)
        let servers = self.servers
        return try JSONResponse.make(
          try await mapped { try await action(servers, port) })
      }
    }
    router.post("/faultline/servers/:port/restart") { request, context in
      let port = try port(context)
      var fields = try await object(of: request)
      let delay = try fields.duration("delay_ms") ?? .zero
      let method = try fields.choice("method", of: ServerStopMethod.allCases) ?? .terminate
      try fields.rejectUnknownFields(allowed: ["delay_ms", "method"])
      return try JSONResponse.make(
        try await mapped {
          try await servers.restartServer(port: port, delay: delay, stopping: method)
        })
    }
  }

  /// The body as an object; an empty body is an empty object (every field is optional).
  private func object(of request: Request) async throws -> FieldReader {
    let buffer = try await body.bytes(of: request)
    guard buffer.readableBytes > 0 else { return FieldReader([:]) }
    let value: JSONValue
    do {
      value = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: buffer))
    } catch {
      throw ControlError.badRequest("malformed JSON")
    }
    guard let members = value.objectValue else {
      throw ControlError.badRequest("expected a JSON object, got \(value.shortText)")
    }
    return FieldReader(members)
  }

  private func port(_ context: BasicRequestContext) throws -> Int {
    let text = try context.parameters.require("port")
    guard let port = Int(text), (1...65_535).contains(port) else {
      throw ControlError(.badRequest, "server port: expected 1...65535, got \"\(text)\"")
    }
    return port
  }

  private func mapped(_ operation: () async throws -> ServerStatus) async throws -> ServerStatus {
    do {
      return try await operation()
    } catch let error as ServerLifeError {
      switch error {
      case .notFound: throw ControlError(.notFound, error.description)
      case .alreadyRunning: throw ControlError(.conflict, error.description)
      case .startFailed: throw ControlError(.internalServerError, error.description)
      }
    }
  }
}
