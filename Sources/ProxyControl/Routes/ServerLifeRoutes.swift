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
    router.get("/faultline/servers/events") { request, _ in
      let text = request.uri.queryParameters.get("after") ?? "0"
      guard let offset = Int(text), offset >= 0 else {
        throw ControlError(.badRequest, "after: expected a byte offset >= 0, got \"\(text)\"")
      }
      return try JSONResponse.make(await servers.serverEvents(after: offset))
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
    let actions: [(ServerAction?, String)] = [
      (.stop, "stop"), (.kill, "kill"), (.pause, "pause"), (nil, "resume"),
    ]
    for (action, name) in actions {
      router.post("/faultline/servers/:port/\(name)") { request, context in
        let port = try port(context)
        var fields = try await object(of: request)
        let when = action == nil ? nil : try moment(&fields)
        try fields.rejectUnknownFields(allowed: action == nil ? [] : ["when"])
        if let action, let when {
          return try await arm(port, action, when)
        }
        return try JSONResponse.make(
          try await mapped {
            switch action {
            case .stop: try await servers.stopServer(port: port)
            case .kill: try await servers.killServer(port: port)
            case .pause: try await servers.pauseServer(port: port)
            default: try await servers.resumeServer(port: port)
            }
          })
      }
    }
    router.post("/faultline/servers/:port/restart") { request, context in
      let port = try port(context)
      var fields = try await object(of: request)
      let delay = try fields.duration("delay_ms") ?? .zero
      let method = try fields.choice("method", of: ServerStopMethod.allCases) ?? .terminate
      let when = try moment(&fields)
      try fields.rejectUnknownFields(allowed: ["delay_ms", "method", "when"])
      if let when {
        return try await arm(port, .restart(delay: delay, stopping: method), when)
      }
      return try JSONResponse.make(
        try await mapped {
          try await servers.restartServer(port: port, delay: delay, stopping: method)
        })
    }
  }

  /// Arms the action and answers 202 at once: `{"armed": {"action", "when"}, "server": status}`.
  private func arm(_ port: Int, _ action: ServerAction, _ when: (ServerMoment, Duration))
    async throws -> Response
  {
    let status = try await mapped {
      try await servers.armServer(port: port, action: action, at: when.0, timeout: when.1)
    }
    return try JSONResponse.make(
      ArmedAnswer(
        armed: .init(
          action: action.name, when: when.0.description, timeoutMs: Int(when.1 / .milliseconds(1))),
        server: status),
      status: .accepted)
  }

  /// `when`: `{"node": ID}`, `{"messages": N, "client_id": ID?}`, `{"queued": true}` or
  /// `{"after_ms": N}`, each with an optional `timeout_ms` (60 s by default).
  private func moment(_ fields: inout FieldReader) throws -> (ServerMoment, Duration)? {
    guard let value = fields.value("when") else { return nil }
    guard let members = value.objectValue else {
      throw fields.invalid("when", value, "an object such as {\"node\": \"3\"}")
    }
    var when = FieldReader(members, path: "when.")
    let timeout = try when.duration("timeout_ms") ?? .seconds(60)
    let moment: ServerMoment
    if let node = try when.string("node") {
      moment = .nodeStarts(node)
    } else if let count = try when.count("messages", in: 1...Int(Int32.max)) {
      moment = .messages(count, clientID: try when.string("client_id"))
    } else if try when.bool("queued") == true {
      moment = .promptQueued
    } else if let delay = try when.duration("after_ms") {
      moment = .after(delay)
    } else {
      throw ControlError.badRequest(
        "when: expected one of node, messages, queued, after_ms")
    }
    try when.rejectUnknownFields(allowed: [
      "node", "messages", "client_id", "queued", "after_ms", "timeout_ms",
    ])
    return (moment, timeout)
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

/// The answer to an armed action.
struct ArmedAnswer: Encodable, Sendable {
  struct Armed: Encodable, Sendable {
    var action: String
    var when: String
    var timeoutMs: Int

    enum CodingKeys: String, CodingKey {
      case action, when
      case timeoutMs = "timeout_ms"
    }
  }

  var armed: Armed
  var server: ServerStatus
}
