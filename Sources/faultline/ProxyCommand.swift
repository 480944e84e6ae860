import ArgumentParser
import ChildProcess
import FaultProxy
import Foundation

/// Runs one fault-injecting TCP proxy in the foreground.
///
/// The first line on standard output is one JSON object with "ready": true and the real listen address.
/// SIGTERM or SIGINT closes the listener and every connection, then exits 0.
struct ProxyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "proxy",
    abstract: "Run a fault-injecting TCP proxy in the foreground.",
    discussion: """
      Example: faultline proxy --listen 127.0.0.1:0 --upstream 127.0.0.1:8188
      The first line printed is JSON: {"ready":true,"listen":"127.0.0.1:PORT",...}.
      """
  )

  @Option(help: "Address to listen on, HOST:PORT or [IPv6]:PORT; port 0 picks a free port.")
  var listen: String = "127.0.0.1:0"

  @Option(help: "Address to forward to, HOST:PORT or [IPv6]:PORT.")
  var upstream: String

  @Option(help: "Name of the proxy (as shown by the control API).")
  var name: String = "faultline"

  @Option(help: "Number of event-loop threads (default: one per core, at most 4).")
  var loops: Int = EngineConfiguration.defaultLoopCount

  @OptionGroup(title: "Faults")
  var faults: ProxyFaultOptions

  @Flag(help: "Exit when standard input reaches end-of-file (the parent that started us is gone).")
  var exitWithParent = false

  func validate() throws {
    guard loops >= 1 else { throw ValidationError("--loops must be at least 1, got \(loops)") }
  }

  func run() async throws {
    let listenAddress = try parseAddress(listen, option: "--listen")
    let upstreamAddress = try parseAddress(upstream, option: "--upstream")
    let parent = getppid()
    let profile = try faults.loadProfile()
    let engine = try ProxyEngine(
      configuration: EngineConfiguration(
        loopCount: loops, seed: faults.effectiveSeed(profile: profile)))
    let stop = SignalWaiter(signals: [SIGTERM, SIGINT])
    let info = try await engine.addProxy(
      ProxyConfiguration(name: name, listen: listenAddress, upstream: upstreamAddress))
    try await faults.apply(to: engine, proxy: name, profile: profile)
    ReadyLine.print([
      "ready": true, "listen": info.listen.description, "upstream": info.upstream.description,
      "name": info.name, "pid": Int(getpid()), "seed": engine.seed, "profile": profile?.name ?? "",
    ])
    ParentWatch.start(originalParent: parent, watchStandardInput: exitWithParent) { reason in
      stop.trigger(reason)
    }
    let reason = await stop.wait()
    FileHandle.standardError.write(Data("faultline proxy: \(reason), shutting down\n".utf8))
    await engine.shutdown()
    engine.eventLog.closeFile()
  }
}

/// Parses an address option, naming the option in the error.
func parseAddress(_ text: String, option: String) throws -> SocketAddress {
  do {
    return try SocketAddress(parsing: text)
  } catch {
    throw ValidationError("\(option): \(error)")
  }
}
