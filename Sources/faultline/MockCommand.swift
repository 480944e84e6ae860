import ArgumentParser
import ChildProcess
import Foundation
import MockComfy

#if canImport(Glibc)
  import Glibc
#endif

/// `faultline mock`: runs the ComfyUI-compatible mock server in the foreground.
///
/// Prints one JSON line `{"ready": true, "port": N, "pid": P, ...}` on standard output once the listener is
/// bound. SIGTERM or SIGINT: closes every WebSocket with 1001, answers in-flight requests, exits 0 within a
/// second. Exits by itself when its parent goes away (see `ParentWatch`).
struct MockCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mock", abstract: "Run a mock ComfyUI server.")

  @Option(help: "Address to listen on.") var host = "127.0.0.1"
  @Flag(
    help:
      "Allow --host to be an address other machines can reach (the mock takes uploads and serves files)."
  )
  var allowRemote = false
  @Option(help: "Port to listen on; 0 picks a free one (reported in the ready line).") var port = 0
  @Option(help: "How long each node runs, e.g. 250ms.") var nodeTime = "250ms"
  @Option(help: "Progress steps (each with a preview frame) reported by sampler nodes.")
  var progressSteps = 4
  @Option(
    help:
      "Interval of an unsolicited status broadcast, e.g. 5s; 0 (the default, as the real server) sends none."
  )
  var statusInterval = "0"
  @Option(
    help:
      "Switch on a real-server quirk (repeatable): \(MockQuirk.allCases.map(\.rawValue).joined(separator: ", "))."
  )
  var quirk: [String] = []
  @Option(
    help:
      "Switch off a quirk ComfyUI 0.3.64 has and the mock therefore shows by default, for the fixed behaviour (repeatable): \(MockQuirk.realServerDefaults.map(\.rawValue).sorted().joined(separator: ", "))."
  )
  var withoutQuirk: [String] = []
  @Option(
    help:
      "A dump of a real server's GET /object_info: serve, validate and run its node classes instead of the built-in core nodes."
  )
  var objectInfo: String?
  @Option(help: "Make a node fail with execution_error, by class type or node id (repeatable).")
  var failNode: [String] = []
  @Option(help: "Make a node run longer, as CLASS_OR_ID=DURATION (repeatable), e.g. KSampler=3s.")
  var slowNode: [String] = []
  @Option(
    help:
      "Output cache between prompts: classic (the real server's default: unchanged nodes do not run again) or none."
  )
  var cache = "classic"
  @Option(
    help:
      "Directory in which the server makes its own input/output/temp directory (removed on exit); default: the system temporary directory."
  )
  var outputDirectory: String?
  @Option(
    help:
      "Append what the server does (WebSocket sessions, messages, HTTP requests) to this file as JSON lines."
  )
  var events: String?
  @Flag(
    help: "Exit when standard input reaches end-of-file (the parent holds the pipe's write end).")
  var exitWithParent = false

  func validate() throws {
    _ = try makeConfiguration(loadingNodes: false)
  }

  /// The server's configuration; `loadingNodes` reads the `--object-info` dump (once, in `run`).
  func makeConfiguration(loadingNodes: Bool = true) throws -> MockServerConfiguration {
    guard (0...65_535).contains(port) else {
      throw ValidationError("--port \(port) is not between 0 and 65535")
    }
    guard progressSteps >= 0 else {
      throw ValidationError("--progress-steps \(progressSteps) must not be negative")
    }
    var quirks = MockQuirk.realServerDefaults
    for (names, option) in [(quirk, "--quirk"), (withoutQuirk, "--without-quirk")] {
      for name in names {
        guard let value = MockQuirk(rawValue: name) else {
          throw ValidationError(
            "\(option) \(name) is unknown; known: \(MockQuirk.allCases.map(\.rawValue).joined(separator: ", "))"
          )
        }
        if option == "--quirk" { quirks.insert(value) } else { quirks.remove(value) }
      }
    }
    let nodes: NodeCatalog
    if let objectInfo {
      do {
        // Loaded once, in `run`; `validate` only checks the other options.
        nodes = loadingNodes ? try NodeCatalog.load(file: objectInfo) : .empty
      } catch {
        throw ValidationError("--object-info \(error)")
      }
    } else {
      nodes = .builtIn
    }
    var slowNodes: [String: Duration] = [:]
    for entry in slowNode {
      let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, !parts[0].isEmpty else {
        throw ValidationError("--slow-node \(entry): expected CLASS_OR_ID=DURATION")
      }
      slowNodes[parts[0]] = try parseDuration(parts[1], option: "--slow-node")
    }
    guard let cacheMode = MockCacheMode(rawValue: cache) else {
      throw ValidationError(
        "--cache \(cache) is unknown; known: \(MockCacheMode.allCases.map(\.rawValue).joined(separator: ", "))"
      )
    }
    let interval = try parseDuration(statusInterval, option: "--status-interval")
    let configuration = MockServerConfiguration(
      host: host, allowRemote: allowRemote, port: port,
      nodeTime: try parseDuration(nodeTime, option: "--node-time"),
      progressSteps: progressSteps,
      statusInterval: interval == .zero ? nil : interval, quirks: quirks, nodes: nodes,
      failingNodes: Set(failNode), slowNodes: slowNodes, cache: cacheMode,
      outputParentDirectory: outputDirectory.map { URL(fileURLWithPath: $0) })
    do {
      try configuration.checkListenAddress()
    } catch {
      throw ValidationError(error.description)
    }
    return configuration
  }

  func run() async throws {
    let parent = getppid()
    signal(SIGPIPE, SIG_IGN)
    let server = MockServer(configuration: try makeConfiguration())
    if let events { try MockEventLog.shared.attach(path: events) }
    let stop = SignalWaiter(signals: [SIGTERM, SIGINT])
    let boundPort = try await server.start()
    // Printed only now that the listener is bound: the parent may connect at once.
    Console.announceReady([
      "port": JSONValue(boundPort), "pid": JSONValue(getpid()), "host": .string(host),
    ])
    ParentWatch.start(originalParent: parent, watchStandardInput: exitWithParent) { reason in
      stop.trigger(reason)
    }
    let reason = await stop.wait()
    Console.err("faultline mock: stopping (\(reason))\n")
    // A stop that hangs must not keep the process alive: the promise is an exit within a second.
    let watchdog = Thread {
      Thread.sleep(forTimeInterval: 0.95)
      _exit(0)
    }
    watchdog.start()
    await server.stop()
    _exit(0)
  }
}
