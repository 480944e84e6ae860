import ArgumentParser
import ChildProcess
import FaultHarness
import FaultProfiles
import FaultProxy
import Foundation
import MockComfy
import ProxyControl

/// `faultline up`: a mock ComfyUI server in its own process plus a fault-injecting proxy in front
/// of it, for testing a client written in any language.
///
/// The first line on standard output is one JSON object: `{"ready": true, "proxy": URL, "server":
/// URL, "api": URL, ...}`; `api` is the Toxiproxy-compatible control API, where the proxy is called
/// `comfy`. The client under test uses `proxy`. Runs until SIGINT, SIGTERM
/// or its parent going away, and takes the server down with it however it ends (the server
/// watches a pipe that only this process holds, so even SIGKILL of this process ends it).
struct UpCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "up",
    abstract: "Run a mock ComfyUI server behind a fault-injecting proxy, for any client.",
    discussion: """
      Example: faultline up --profile profiles/wifi-flaky.yaml
      The first line printed is JSON: {"ready":true,"proxy":"http://127.0.0.1:PORT","server":"http://127.0.0.1:PORT","api":"http://127.0.0.1:PORT",...}.
      Point the client at "proxy"; "server" is the same server without faults; "api" is the
      Toxiproxy-compatible control API (the proxy is named "comfy").
      """
  )

  @OptionGroup var faults: ProxyFaultOptions
  @OptionGroup(title: "Buffers and stopping") var engineOptions: ProxyEngineOptions

  @Option(help: "Port for the proxy; 0 picks a free one.")
  var port = 0

  @Option(help: "Port for the mock server; 0 picks a free one.")
  var serverPort = 0

  @Option(
    help: "Port for the control API (Toxiproxy-compatible, on 127.0.0.1); 0 picks a free one.")
  var apiPort = 0

  @Option(help: "How long each node of a prompt runs, e.g. 250ms.")
  var nodeTime = "250ms"

  @Option(
    help:
      "Interval of an unsolicited status broadcast, e.g. 5s; 0 (the default, as the real server) sends none."
  )
  var statusInterval = "0"

  @Option(help: "Switch on a real-server quirk of the mock (repeatable), e.g. reconnect-race.")
  var quirk: [String] = []

  @Option(help: "A dump of a real server's GET /object_info whose node classes the mock runs.")
  var objectInfo: String?

  @Option(
    help:
      "Directory in which the server keeps its files (default: the system temporary directory); a parent that may kill `up` with SIGKILL passes one it removes itself."
  )
  var outputDirectory: String?

  @Flag(help: "Exit when standard input reaches end-of-file (the parent that started us is gone).")
  var exitWithParent = false

  func validate() throws {
    for (value, option) in [
      (port, "--port"), (serverPort, "--server-port"), (apiPort, "--api-port"),
    ]
    where !(0...65_535).contains(value) {
      throw ValidationError("\(option) \(value) is not between 0 and 65535")
    }
  }

  func run() async throws {
    let parent = getppid()
    let loaded = try faults.loadProfile()
    let options = MockServerOptions(
      nodeTime: try parseDuration(nodeTime, option: "--node-time"),
      statusInterval: try parseDuration(statusInterval, option: "--status-interval"),
      quirks: quirk, objectInfo: objectInfo)
    let stop = SignalWaiter(signals: [SIGTERM, SIGINT, SIGHUP])
    let servers = try ServerManager(
      options: options, parentDirectory: outputDirectory.map { URL(fileURLWithPath: $0) })
    let grace = try engineOptions.drainGraceDuration()
    let proxies = try ProxyManager(
      configuration: try engineOptions.engineConfiguration(
        loopCount: 1, seed: faults.effectiveSeed(profile: loaded)))
    try faults.openEventLog(proxies.engine)
    let control = try ControlServer(engine: proxies.engine, port: apiPort, servers: servers)
    do {
      let server = try await servers.start(port: serverPort)
      let info = try await proxies.engine.addProxy(
        ProxyConfiguration(
          name: "comfy", listen: try SocketAddress(host: "127.0.0.1", port: UInt16(port)),
          upstream: try SocketAddress(host: "127.0.0.1", port: UInt16(server.port))))
      try await faults.apply(to: proxies.engine, proxy: info.name, profile: loaded)
      let boundAPIPort = try await control.start()
      Console.announceReady([
        "proxy": .string("http://127.0.0.1:\(info.listen.port)"),
        "server": .string(server.baseURL.absoluteString),
        "api": .string("http://127.0.0.1:\(boundAPIPort)"),
        "proxy_name": .string(info.name),
        "pid": JSONValue(getpid()), "server_pid": JSONValue(server.pid),
        "seed": JSONValue(proxies.seed), "profile": .string(loaded?.name ?? ""),
      ])
      ParentWatch.start(originalParent: parent, watchStandardInput: exitWithParent) { reason in
        stop.trigger(reason)
      }
      let reason = await stop.wait()
      Console.err("faultline up: \(reason), shutting down\n")
      // The API first, so nothing reopens a listener; the server last, so the bytes still go to it.
      await control.stop()
      await drain(proxies.engine, within: grace, command: "faultline up")
    } catch {
      await shutDown(control, servers, proxies)
      throw error
    }
    await shutDown(control, servers, proxies)
  }

  private func shutDown(_ control: ControlServer, _ servers: ServerManager, _ proxies: ProxyManager)
    async
  {
    await control.stop()
    await servers.stopAll()
    await proxies.shutdown()
  }
}
