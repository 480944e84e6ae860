import FaultProfiles
import FaultProxy
import Foundation
import Hummingbird

/// Faultline's own routes, under `/faultline/` so they never clash with Toxiproxy's: load a profile
/// onto a proxy, read and control the event log, read and set the seed, read a proxy's counters.
struct ExtensionRoutes: Sendable {
  let directory: ProxyDirectory
  let body: RequestBodyReader

  private var engine: ProxyEngine { directory.engine }

  func add(to router: Router<BasicRequestContext>) {
    for method in [HTTPRequest.Method.put, .post] {
      router.on("/faultline/proxies/:proxy/profile", method: method) { request, context in
        try await loadProfile(try context.parameters.require("proxy"), request)
      }
      router.on("/faultline/seed", method: method) { request, _ in try await setSeed(request) }
      router.on("/faultline/events", method: method) { request, _ in try await setRecording(request)
      }
    }
    router.get("/faultline/seed") { _, _ in try JSONResponse.make(SeedAnswer(seed: engine.seed)) }
    router.get("/faultline/proxies/:proxy/events") { _, context in
      let proxy = try context.parameters.require("proxy")
      _ = try directory.info(named: proxy)
      return try JSONResponse.make(
        EventsAnswer(
          recording: engine.eventLog.isEnabled, events: engine.eventLog.events(proxy: proxy)))
    }
    router.delete("/faultline/events") { _, _ in
      engine.eventLog.clear()
      return JSONResponse.noContent()
    }
    router.get("/faultline/proxies/:proxy/stats") { _, context in
      let proxy = try context.parameters.require("proxy")
      return try JSONResponse.make(
        StatsAnswer(
          try engine.stats(named: proxy),
          active: try engine.activeFaults(forProxy: proxy).map {
            ToxicRepresentation($0)
          }))
    }
  }

  /// The body is a profile in YAML (docs/profiles.md); its faults replace the proxy's, its timeline starts now.
  private func loadProfile(_ proxy: String, _ request: Request) async throws -> Response {
    _ = try directory.info(named: proxy)
    let yaml = try await body.text(of: request)
    let profile: Profile
    do {
      profile = try ProfileLoader.parse(yaml: yaml, file: "request body")
    } catch {
      throw ControlError(.badRequest, "bad profile: \(error.description)")
    }
    try await engine.applyProfile(profile, toProxy: proxy)
    return try JSONResponse.make(
      ProfileAnswer(
        profile: profile.name, seed: engine.seed,
        proxy: directory.representation(try directory.info(named: proxy))))
  }

  private func setSeed(_ request: Request) async throws -> Response {
    let data = Data(buffer: try await body.bytes(of: request))
    let answer: SeedAnswer
    do {
      answer = try JSONDecoder().decode(SeedAnswer.self, from: data)
    } catch let error as ControlError {
      throw error
    } catch {
      throw ControlError.badRequest(
        "expected {\"seed\": N} with N a 64-bit unsigned integer or a \"0x\" hex string")
    }
    engine.setSeed(answer.seed)
    return try JSONResponse.make(SeedAnswer(seed: engine.seed))
  }

  private func setRecording(_ request: Request) async throws -> Response {
    guard let members = try await body.json(of: request).objectValue else {
      throw ControlError.badRequest("expected {\"recording\": true|false}")
    }
    var reader = FieldReader(members)
    guard let recording = try reader.bool("recording") else {
      throw ControlError.missingField("recording")
    }
    try reader.rejectUnknownFields(allowed: ["recording"])
    engine.eventLog.isEnabled = recording
    return try JSONResponse.make(["recording": recording])
  }
}

/// `{"seed": N}`; the seed may also be written as a decimal or `0x` hex string (JSON numbers above
/// 2^53 lose precision in many clients).
struct SeedAnswer: Codable, Sendable {
  var seed: UInt64

  init(seed: UInt64) { self.seed = seed }

  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    if let number = try? container.decode(UInt64.self, forKey: .seed) {
      seed = number
      return
    }
    let text = try container.decode(String.self, forKey: .seed)
    let parsed =
      text.lowercased().hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
    guard let parsed else {
      throw ControlError.badRequest("seed: expected a 64-bit unsigned integer, got \"\(text)\"")
    }
    seed = parsed
  }
}

struct EventsAnswer: Encodable, Sendable {
  var recording: Bool
  var events: [FaultEvent]
}

struct ProfileAnswer: Encodable, Sendable {
  var profile: String
  var seed: UInt64
  var proxy: ProxyRepresentation
}

/// A proxy's counters and the faults in effect right now (timeline phases included).
struct StatsAnswer: Encodable, Sendable {
  var receivedBytes: [String: UInt64]
  var sentBytes: [String: UInt64]
  var connectionsOpen: Int
  var connectionsTotal: UInt64
  var resetsSent: UInt64
  var faultActions: UInt64
  var upstreamConnectFailures: UInt64
  var activeFaults: [ToxicRepresentation]

  init(_ stats: ProxyStats, active: [ToxicRepresentation]) {
    receivedBytes = Dictionary(
      uniqueKeysWithValues: stats.receivedBytes.map { ($0.key.rawValue, $0.value) })
    sentBytes = Dictionary(
      uniqueKeysWithValues: stats.sentBytes.map { ($0.key.rawValue, $0.value) })
    connectionsOpen = stats.connectionsOpen
    connectionsTotal = stats.connectionsTotal
    resetsSent = stats.resetsSent
    faultActions = stats.faultActions
    upstreamConnectFailures = stats.upstreamConnectFailures
    activeFaults = active
  }

  enum CodingKeys: String, CodingKey {
    case receivedBytes = "received_bytes"
    case sentBytes = "sent_bytes"
    case connectionsOpen = "connections_open"
    case connectionsTotal = "connections_total"
    case resetsSent = "resets_sent"
    case faultActions = "fault_actions"
    case upstreamConnectFailures = "upstream_connect_failures"
    case activeFaults = "active_faults"
  }
}
