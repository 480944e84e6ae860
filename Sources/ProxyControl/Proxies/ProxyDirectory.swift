import FaultProxy

/// The API's operations on proxies, shared by the HTTP routes and `faultline proxy --config`.
///
/// Each operation checks the whole input before it changes anything, so a bad request leaves the
/// engine as it was.
public struct ProxyDirectory: Sendable {
  public let engine: ProxyEngine
  let names: WireNames

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
    let moves = listen.map { !Self.matches($0, bound: current.listen) } ?? false
    let retargets = upstream.map { $0 != current.upstream } ?? false
    if moves || retargets {
      try await restart(
        current, listen: moves ? listen! : current.listen, upstream: upstream ?? current.upstream,
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
    try await engine.removeProxy(named: name)
    names.forget(proxy: name)
  }

  /// Creates every proxy of `requests`, replacing an existing one only where listen or upstream
  /// differ (Toxiproxy's `/populate` and `-config`). Stops at the first failure; returns what was done.
  public func populate(_ requests: [ProxyRequest]) async -> (
    proxies: [ProxyInfo], error: (any Error)?
  ) {
    var done: [ProxyInfo] = []
    do {
      for request in requests {
        if let existing = engine.proxy(named: request.name) {
          if Self.matches(request.listen, bound: existing.listen),
            request.upstream == existing.upstream
          {
            if existing.enabled != request.enabled {
              try await engine.setEnabled(request.enabled, forProxy: request.name)
            }
            done.append(try info(named: request.name))
            continue
          }
          try await delete(named: request.name)
        }
        done.append(try await create(request))
      }
      return (done, nil)
    } catch {
      return (done, error)
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
