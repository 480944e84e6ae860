import ArgumentParser
import ChildProcess
import FaultProxy
import Foundation
import ProxyControl

/// Runs fault-injecting TCP proxies in the foreground, optionally with the control API.
///
/// The first line on standard output is one JSON object with "ready": true, the real listen address
/// of the proxy given by --listen/--upstream (if any) and the real address of the control API (if on).
/// SIGTERM or SIGINT closes the API and every listener, lets the bytes faults hold drain (at most
/// `--drain-grace`), closes every connection, then exits 0.
struct ProxyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "proxy",
    abstract: "Run a fault-injecting TCP proxy in the foreground.",
    discussion: """
      Example: faultline proxy --listen 127.0.0.1:0 --upstream 127.0.0.1:8188
      Example: faultline proxy --api 127.0.0.1:8474 --config proxies.json
      The first line printed is JSON: {"ready":true,"listen":"127.0.0.1:PORT","api":"127.0.0.1:PORT",...}.
      The control API answers Toxiproxy's HTTP API (see docs/control-api.md). It is on when --api or
      --config is given; with --config alone it listens on 127.0.0.1:8474.
      """
  )

  @Option(help: "Address to listen on, HOST:PORT or [IPv6]:PORT; port 0 picks a free port.")
  var listen: String = "127.0.0.1:0"

  @Option(
    help: "Address to forward to, HOST:PORT or [IPv6]:PORT (optional when the control API is on).")
  var upstream: String?

  @Option(help: "Name of the proxy (as shown by the control API).")
  var name: String = "faultline"

  @Option(help: "Number of event-loop threads (default: one per core, at most 4).")
  var loops: Int = EngineConfiguration.defaultLoopCount

  @OptionGroup(title: "Faults")
  var faults: ProxyFaultOptions

  @OptionGroup(title: "Buffers and stopping")
  var engineOptions: ProxyEngineOptions

  @Flag(
    help:
      "Exit when the parent process goes away (standard input reaches end-of-file, or we are re-parented)."
  )
  var exitWithParent = false

  @Option(
    help: "Serve the control API on HOST:PORT (or PORT, on 127.0.0.1); port 0 picks a free port.")
  var api: String?

  @Flag(help: "Allow the control API to listen on a non-loopback address.")
  var apiAllowRemote = false

  @Option(help: "JSON file with a list of proxies to create at start, as Toxiproxy's -config.")
  var config: String?

  func validate() throws {
    guard loops >= 1 else { throw ValidationError("--loops must be at least 1, got \(loops)") }
    guard upstream != nil || apiAddress != nil else {
      throw ValidationError(
        "--upstream is required unless the control API is on (--api or --config)")
    }
  }

  /// Where the API listens: --api, or the Toxiproxy default when only --config is given.
  private var apiAddress: (host: String, port: Int)? {
    guard let api else { return config == nil ? nil : ("127.0.0.1", 8474) }
    if let port = Int(api) { return ("127.0.0.1", port) }
    guard let colon = api.lastIndex(of: ":"), let port = Int(api[api.index(after: colon)...]) else {
      return ("", -1)
    }
    return (String(api[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
  }

  func run() async throws {
    let parent = getppid()
    let profile = try faults.loadProfile()
    if profile != nil && upstream == nil {
      throw ValidationError(
        "--profile needs --upstream: it applies to the proxy that option creates")
    }
    let grace = try engineOptions.drainGraceDuration()
    let engine = try ProxyEngine(
      configuration: try engineOptions.engineConfiguration(
        loopCount: loops, seed: faults.effectiveSeed(profile: profile)))
    let stop = SignalWaiter(signals: [SIGTERM, SIGINT])
    try faults.openEventLog(engine)
    var ready: JSONObject = [
      "pid": JSONValue(getpid()), "seed": JSONValue(engine.seed),
      "buffer_limit": JSONValue(engine.configuration.bufferLimit),
    ]
    let directory = ProxyDirectory(engine: engine)
    var server: ControlServer?
    if let (host, port) = apiAddress {
      guard port >= 0 else {
        throw ValidationError("--api: expected HOST:PORT or PORT, got \"\(api ?? "")\"")
      }
      let control = try ControlServer(
        engine: engine, host: host, port: port, allowRemote: apiAllowRemote)
      let bound = try await control.start()
      ready["api"] = .string(host.contains(":") ? "[\(host)]:\(bound)" : "\(host):\(bound)")
      server = control
    }
    let proxies = server?.directory ?? directory
    if let config {
      ready["proxies"] = .array(
        try await populate(from: config, proxies).map { .string($0.listen.description) })
    }
    if let upstream {
      _ = try parseAddress(listen, option: "--listen")
      _ = try parseAddress(upstream, option: "--upstream")
      let info = try await proxies.create(
        ProxyRequest(
          .object(["name": .string(name), "listen": .string(listen), "upstream": .string(upstream)])
        ))
      ready["listen"] = .string(info.listen.description)
      ready["upstream"] = .string(info.upstream.description)
      ready["name"] = .string(info.name)
      try await faults.apply(to: engine, proxy: info.name, profile: profile)
      ready["profile"] = .string(profile?.name ?? "")
      ready["seed"] = JSONValue(engine.seed)
    }
    Console.announceReady(ready)
    // Only when asked: a proxy started from a script that exits is often meant to keep running.
    if exitWithParent {
      ParentWatch.start(originalParent: parent, watchStandardInput: true) { reason in
        stop.trigger(reason)
      }
    }
    let reason = await stop.wait()
    Console.err("faultline proxy: \(reason), shutting down\n")
    await server?.stop()
    await drain(engine, within: grace, command: "faultline proxy")
    await engine.shutdown()
    engine.eventLog.closeFile()
  }

  /// Creates the proxies listed in a Toxiproxy config file; errors name the file.
  private func populate(from path: String, _ directory: ProxyDirectory) async throws -> [ProxyInfo]
  {
    do {
      let data = try Data(contentsOf: URL(fileURLWithPath: path))
      let requests = try ProxyDirectory.parsePopulate(
        try JSONDecoder().decode(JSONValue.self, from: data))
      let (proxies, error) = await directory.populate(requests)
      if let error { throw error }
      return proxies
    } catch {
      throw ValidationError("--config \(path): \(error)")
    }
  }
}
