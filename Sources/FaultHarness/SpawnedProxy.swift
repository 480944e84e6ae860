import ChildProcess
import Foundation

/// A `faultline proxy` in its own process, for set-ups where the proxy must not share a process
/// with the test (or must survive it being busy): its faults come from a profile file given at
/// start; it exits when this process dies, however it dies.
///
/// Faults cannot be changed at run time in this form (that needs the control API); use
/// `ProxyManager` for that.
public final class SpawnedProxy: Sendable {
  /// The port clients connect to.
  public let port: Int
  public let process: ManagedChild

  private init(port: Int, process: ManagedChild) {
    self.port = port
    self.process = process
  }

  /// `http://127.0.0.1:PORT`.
  public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

  /// Spawns a proxy on a free port forwarding to `upstreamPort`, with `profile` (a YAML file) and
  /// `seed` when given, and any `extraArguments` of `faultline proxy`, and waits for its ready line.
  public static func start(
    upstreamPort: Int, profile: String? = nil, seed: UInt64? = nil,
    extraArguments: [String] = [], readyTimeout: Duration = .seconds(30)
  ) async throws -> SpawnedProxy {
    var arguments = [
      "proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:\(upstreamPort)",
      "--loops", "1", "--exit-with-parent",
    ]
    if let profile { arguments += ["--profile", profile] }
    if let seed { arguments += ["--seed", "\(seed)"] }
    arguments += extraArguments
    let child = try ManagedChild(executable: FaultlineExecutable.url, arguments: arguments)
    do {
      let ready = try await child.waitForReadyLine(timeout: readyTimeout)
      guard let listen = ready.string("listen"), let colon = listen.lastIndex(of: ":"),
        let port = Int(listen[listen.index(after: colon)...])
      else {
        throw ServerManagerError.startFailed(
          port: 0, reason: "proxy ready line without a listen address: \(ready.line)")
      }
      return SpawnedProxy(port: port, process: child)
    } catch {
      await child.terminate(grace: .seconds(1))
      throw error
    }
  }

  /// SIGTERM (the proxy closes every connection), then SIGKILL after `grace`.
  @discardableResult
  public func stop(grace: Duration = .seconds(3)) async -> ExitStatus {
    await process.terminate(grace: grace)
  }
}
