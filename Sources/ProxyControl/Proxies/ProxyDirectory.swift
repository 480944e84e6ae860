import FaultProxy

/// The API's operations on proxies, shared by the HTTP routes and `faultline proxy --config`.
///
/// Each operation checks the whole input before it changes anything, so a bad request leaves the
/// engine as it was.
public struct ProxyDirectory: Sendable {
  public let engine: ProxyEngine
  let names: WireNames
  private let lock = ProxySetLock()

  public init(engine: ProxyEngine) {
    self.init(engine: engine, names: WireNames())
  }

  init(engine: ProxyEngine, names: WireNames) {
    self.engine = engine
    self.names = names
  }

  /// Starts a proxy; 409 if the name is taken, 500 if the address cannot be bound.
  @discardableResult
  public func create(_ request: ProxyRequest, faults: [FaultSpec] = []) async throws -> ProxyInfo {
    try await lock.withLock { try await unlockedCreate(request, faults: faults) }
  }

  private func unlockedCreate(_ request: ProxyRequest, faults: [FaultSpec] = []) async throws
    -> ProxyInfo
  {
    let created = try await engine.addProxy(
      ProxyConfiguration(
        name: request.name, listen: request.listen, upstream: request.upstream, faults: faults))
    names.rememberUpstream(request.upstreamText, address: request.upstream, proxy: request.name)
    guard request.enabled else {
      try await engine.setEnabled(false, forProxy: request.name)
      return try info(named: request.name)
    }
    return created
  }

  /// Changes a proxy's addresses (restarting it, its toxics kept) and whether it is enabled.
  public func update(named name: String, body: JSONValue) async throws -> ProxyInfo {
    try await lock.withLock { try await unlockedUpdate(named: name, body: body) }
  }

  private func unlockedUpdate(named name: String, body: JSONValue) async throws -> ProxyInfo {
    let current = try info(named: name)
    guard let members = body.objectValue else {
      throw ControlError.badRequest("expected a JSON object, got \(body.kindDescription)")
    }
    var reader = FieldReader(members)
    let listenText = try reader.string("listen")
    let upstreamText = try reader.string("upstream")
    let enabled = try reader.bool("enabled") ?? current.enabled
    let listen = try listenText.map { text throws(ControlError) in
      try ProxyRequest.address(text, field: "listen")
    }
    let upstream = try upstreamText.map { text throws(ControlError) in
      try ProxyRequest.address(text, field: "upstream")
    }
    let newListen = listen.flatMap { Self.matches($0, bound: current.listen) ? nil : $0 }
    let retargets = upstream.map { $0 != current.upstream } ?? false
    if newListen != nil || retargets {
      try await restart(
        current, listen: newListen ?? current.listen, upstream: upstream ?? current.upstream,
        upstreamText: upstreamText ?? names.upstreamText(of: current))
    } else if let upstreamText, let upstream {
      names.rememberUpstream(upstreamText, address: upstream, proxy: name)
    }
    if enabled != (try info(named: name)).enabled {
      try await engine.setEnabled(enabled, forProxy: name)
    }
    return try info(named: name)
  }

  /// Removes a proxy, closing its listener and connections.
  public func delete(named name: String) async throws {
    try await lock.withLock { try await unlockedDelete(named: name) }
  }

  private func unlockedDelete(named name: String) async throws {
    try await engine.removeProxy(named: name)
    names.forget(proxy: name)
  }

  /// Creates every proxy of `requests`, replacing an existing one only where listen or upstream
  /// differ (Toxiproxy's `/populate` and `-config`). If one fails (a port is taken), what this call
  /// did is undone, as far as the engine allows, and the error returned with the proxies as they are.
  public func populate(_ requests: [ProxyRequest]) async -> (
    proxies: [ProxyInfo], error: (any Error)?
  ) {
    // The body never throws: a failure is part of the answer.
    (try? await lock.withLock { await unlockedPopulate(requests) }) ?? ([], nil)
  }

  private func unlockedPopulate(_ requests: [ProxyRequest]) async -> (
    proxies: [ProxyInfo], error: (any Error)?
  ) {
    var done: [ProxyInfo] = []
    var undo: [PopulateStep] = []
    // The ports of replaced proxies stay held until the call ends, so that an undo can put them back
    // where they were: a freed port may otherwise go to any port-0 bind or outgoing connection.
    var held: [HeldPort] = []
    defer { withExtendedLifetime(held) {} }
    do {
      for request in requests {
        if let existing = engine.proxy(named: request.name) {
          if Self.matches(request.listen, bound: existing.listen),
            request.upstream == existing.upstream
          {
            if existing.enabled != request.enabled {
              try await engine.setEnabled(request.enabled, forProxy: request.name)
              undo.append(.toggled(existing))
            }
            done.append(try info(named: request.name))
            continue
          }
          let faults = try engine.faults(forProxy: request.name)
          let upstreamText = names.upstreamText(of: existing)
          if let hold = try? HeldPort(existing.listen) { held.append(hold) }
          try await unlockedDelete(named: request.name)
          undo.append(.replaced(existing, faults: faults, upstreamText: upstreamText))
        } else {
          undo.append(.created(request.name))
        }
        done.append(try await unlockedCreate(request))
      }
      return (done, nil)
    } catch {
      for step in undo.reversed() { await revert(step) }
      return (requests.compactMap { engine.proxy(named: $0.name) }, error)
    }
  }

  /// One change `/populate` made, remembered so that a failure later in the list can undo it.
  private enum PopulateStep {
    case created(String)
    case replaced(ProxyInfo, faults: [FaultSpec], upstreamText: String)
    case toggled(ProxyInfo)
  }

  private func revert(_ step: PopulateStep) async {
    switch step {
    case .created(let name):
      if engine.proxy(named: name) != nil { try? await unlockedDelete(named: name) }
    case .replaced(let old, let faults, let upstreamText):
      if engine.proxy(named: old.name) != nil { try? await unlockedDelete(named: old.name) }
      let restored = try? await engine.addProxy(
        ProxyConfiguration(
          name: old.name, listen: old.listen, upstream: old.upstream, faults: faults))
      if restored != nil {
        names.rememberUpstream(upstreamText, address: old.upstream, proxy: old.name)
        if !old.enabled { try? await engine.setEnabled(false, forProxy: old.name) }
      }
    case .toggled(let old):
      try? await engine.setEnabled(old.enabled, forProxy: old.name)
    }
  }

  /// Checks a list of proxies for `/populate` before anything changes: every entry valid, no name twice.
  public static func parsePopulate(_ body: JSONValue) throws(ControlError) -> [ProxyRequest] {
    guard case .array(let entries) = body else {
      throw ControlError.badRequest("expected a JSON array of proxies, got \(body.kindDescription)")
    }
    var requests: [ProxyRequest] = []
    var seen: Set<String> = []
    for (index, entry) in entries.enumerated() {
      let request = try ProxyRequest(entry, position: index + 1)
      guard seen.insert(request.name).inserted else {
        throw ControlError.badRequest(
          "name at proxy \(index + 1): duplicate proxy name \"\(request.name)\"")
      }
      requests.append(request)
    }
    return requests
  }

  func info(named name: String) throws -> ProxyInfo {
    guard let info = engine.proxy(named: name) else { throw ControlError.proxyNotFound }
    return info
  }

  func representation(_ info: ProxyInfo) -> ProxyRepresentation {
    ProxyRepresentation(info, names: names)
  }

  /// Whether a requested listen address is the one bound (port 0 asks for any port).
  static func matches(_ requested: SocketAddress, bound: SocketAddress) -> Bool {
    requested == bound || (requested.port == 0 && requested.withPort(bound.port) == bound)
  }

  private func restart(
    _ current: ProxyInfo, listen: SocketAddress, upstream: SocketAddress, upstreamText: String
  ) async throws {
    let faults = try engine.faults(forProxy: current.name)
    // Held while the proxy is away, so that a failed move can put it back on its port.
    let held = try? HeldPort(current.listen)
    defer { withExtendedLifetime(held) {} }
    try await engine.removeProxy(named: current.name)
    do {
      _ = try await engine.addProxy(
        ProxyConfiguration(name: current.name, listen: listen, upstream: upstream, faults: faults))
      names.rememberUpstream(upstreamText, address: upstream, proxy: current.name)
    } catch {
      // Put the proxy back as it was so that a failed move changes nothing.
      _ = try? await engine.addProxy(
        ProxyConfiguration(
          name: current.name, listen: current.listen, upstream: current.upstream, faults: faults))
      throw error
    }
  }
}
