import FaultProfiles
import FaultProxy
import FaultlineScope
import Foundation

/// Fault-injecting proxies in this process, between a client under test and a server: faults and
/// profiles go on and come off while traffic flows, and each change is written to a
/// `ScenarioClock` when one is given.
///
/// Faults apply to open connections too: a half-open fault added now silences the socket the
/// client already has.
public final class ProxyManager: Sendable {
  /// The data plane; for anything this type does not wrap.
  public let engine: ProxyEngine
  /// Where fault changes are recorded, if anywhere.
  public let clock: ScenarioClock?

  /// - Parameters:
  ///   - seed: drives every random decision of the faults; printed by failing tests to replay them.
  ///   - loopCount: loop threads; one is plenty for a test.
  public convenience init(seed: UInt64? = nil, loopCount: Int = 1, clock: ScenarioClock? = nil)
    throws
  {
    try self.init(
      configuration: EngineConfiguration(loopCount: loopCount, seed: seed), clock: clock)
  }

  /// A manager whose engine has every setting given (buffer bound, loops, seed).
  public init(configuration: EngineConfiguration, clock: ScenarioClock? = nil) throws {
    engine = try ProxyEngine(configuration: configuration)
    self.clock = clock
  }

  /// Runs `body` with a new manager and shuts it down afterwards, whether `body` returned or threw.
  public static func with<Result: Sendable>(
    seed: UInt64? = nil, clock: ScenarioClock? = nil, _ body: (ProxyManager) async throws -> Result
  ) async throws -> Result {
    try await withCleanup(
      try ProxyManager(seed: seed, clock: clock), cleanup: { await $0.shutdown() }, body)
  }

  /// The seed of the faults' random decisions.
  public var seed: UInt64 { engine.seed }

  /// Starts a proxy on a free port of 127.0.0.1 forwarding to `upstreamPort`; returns its port.
  @discardableResult
  public func addProxy(
    name: String = "comfy", upstreamPort: Int, upstreamHost: String = "127.0.0.1",
    faults: [FaultSpec] = []
  ) async throws -> Int {
    let info = try await engine.addProxy(
      ProxyConfiguration(
        name: name, listen: try SocketAddress(host: "127.0.0.1", port: 0),
        upstream: try SocketAddress(host: upstreamHost, port: UInt16(upstreamPort)),
        faults: faults))
    for fault in faults { clock?.began(fault.name) }
    return Int(info.listen.port)
  }

  /// `http://127.0.0.1:PORT` of the proxy called `name`: the base URL the client should use.
  public func baseURL(of name: String = "comfy") throws -> URL {
    guard let info = engine.proxy(named: name) else { throw ProxyError.unknownProxy(name) }
    return URL(string: "http://127.0.0.1:\(info.listen.port)")!
  }

  /// Adds a fault (replacing one of the same name).
  public func addFault(_ fault: FaultSpec, to proxy: String = "comfy") async throws {
    try await change(proxy) { faults in faults.filter { $0.name != fault.name } + [fault] }
  }

  /// Removes the fault called `name`, if present.
  public func removeFault(named name: String, from proxy: String = "comfy") async throws {
    try await change(proxy) { faults in faults.filter { $0.name != name } }
  }

  /// Replaces every fault of the proxy.
  public func setFaults(_ faults: [FaultSpec], on proxy: String = "comfy") async throws {
    try await change(proxy) { _ in faults }
  }

  /// Removes every fault and timeline of the proxy.
  public func clearFaults(on proxy: String = "comfy") async throws {
    let before = try engine.faults(forProxy: proxy)
    let profile = engine.proxy(named: proxy)?.profile
    // An empty profile is the one call that also ends a running timeline.
    try await engine.applyProfile(Profile(name: "none", description: "no faults"), toProxy: proxy)
    for fault in before { clock?.ended(fault.name) }
    if let profile, profile != "none" { clock?.ended("profile \(profile)") }
  }

  /// Applies `fault` for `duration`, then removes it: a blackout of five seconds is one call.
  public func withFault(
    _ fault: FaultSpec, on proxy: String = "comfy", for duration: Duration
  ) async throws {
    try await addFault(fault, to: proxy)
    try await Task.sleep(for: duration)
    try await removeFault(named: fault.name, from: proxy)
  }

  /// Applies a profile: its faults replace the proxy's own and its timeline starts now.
  public func applyProfile(_ profile: Profile, to proxy: String = "comfy") async throws {
    try await engine.applyProfile(profile, toProxy: proxy)
    clock?.began("profile \(profile.name)")
  }

  /// Loads a profile file (errors name the file, line and field) and applies it.
  public func applyProfile(file path: String, to proxy: String = "comfy") async throws {
    try await applyProfile(ProfileLoader.load(contentsOf: path), to: proxy)
  }

  /// Disabled: listener closed and every connection closed (clients see refused connections);
  /// enabled: listening again on the same port.
  public func setEnabled(_ enabled: Bool, proxy: String = "comfy") async throws {
    try await engine.setEnabled(enabled, forProxy: proxy)
    if enabled {
      clock?.ended("proxy \(proxy) disabled")
    } else {
      clock?.began("proxy \(proxy) disabled")
    }
  }

  /// Byte and connection counters of the proxy.
  public func stats(of proxy: String = "comfy") throws -> ProxyStats {
    try engine.stats(named: proxy)
  }

  /// Stops every proxy and the loop thread.
  public func shutdown() async {
    await engine.shutdown()
  }

  private func change(_ proxy: String, _ transform: @escaping ([FaultSpec]) -> [FaultSpec])
    async throws
  {
    let (before, after) = try await engine.updateFaults(forProxy: proxy) { faults in
      let updated = transform(faults)
      return (updated, (faults.map(\.name), updated.map(\.name)))
    }
    for name in before where !after.contains(name) { clock?.ended(name) }
    for name in after where !before.contains(name) { clock?.began(name) }
  }
}
