/// How the harness runs each `faultline mock` process: timings, quirks and failing nodes, turned
/// into the command's arguments (a vector, never a shell line).
public struct MockServerOptions: Sendable, Equatable {
  /// How long each node runs.
  public var nodeTime: Duration
  /// Interval of the idle `status` broadcast; short intervals let a silence deadline work fast.
  /// The real server sends none (and neither does `faultline mock` by default), but the harness needs
  /// them: its client's silence deadline and the missed-message count both pace on this broadcast.
  public var statusInterval: Duration
  /// Real-server quirks to switch on. `reconnect-race` (ComfyUI issue #16010) is on by default, as
  /// in ComfyUI 0.3.64; `withoutQuirks` switches such a one off.
  public var quirks: [String]
  /// Quirks on by default to switch off, e.g. `reconnect-race` for the fixed behaviour.
  public var withoutQuirks: [String]
  /// A dump of a real server's `/object_info` whose node classes the mock serves and runs.
  public var objectInfo: String?
  /// Nodes (class type or id) that fail with `execution_error`.
  public var failingNodes: [String]
  /// Nodes (class type or id) that run longer than `nodeTime`.
  public var slowNodes: [String: Duration]
  /// Any other `faultline mock` arguments, passed unchanged.
  public var extraArguments: [String]
  /// How long a server may take to print its ready line.
  public var readyTimeout: Duration
  /// How long `stop` waits after SIGTERM before it sends SIGKILL.
  public var stopGrace: Duration
  /// How long `start(port:)` keeps trying a fixed port that is still taken (by a process that
  /// just died, typically) before it reports the failure.
  public var portRetryWindow: Duration

  public init(
    nodeTime: Duration = .milliseconds(50),
    statusInterval: Duration = .milliseconds(500),
    quirks: [String] = [],
    withoutQuirks: [String] = [],
    objectInfo: String? = nil,
    failingNodes: [String] = [],
    slowNodes: [String: Duration] = [:],
    extraArguments: [String] = [],
    readyTimeout: Duration = .seconds(30),
    stopGrace: Duration = .seconds(3),
    portRetryWindow: Duration = .seconds(5)
  ) {
    self.nodeTime = nodeTime
    self.statusInterval = statusInterval
    self.quirks = quirks
    self.withoutQuirks = withoutQuirks
    self.objectInfo = objectInfo
    self.failingNodes = failingNodes
    self.slowNodes = slowNodes
    self.extraArguments = extraArguments
    self.readyTimeout = readyTimeout
    self.stopGrace = stopGrace
    self.portRetryWindow = portRetryWindow
  }

  /// The arguments of `faultline mock` for a server on `port` keeping its files under `directory`.
  func arguments(port: Int, outputDirectory directory: String) -> [String] {
    var arguments = [
      "mock", "--port", "\(port)",
      "--node-time", Self.text(nodeTime),
      "--status-interval", Self.text(statusInterval),
      "--output-directory", directory,
      // The server watches its stdin pipe, which only we hold: it exits when this process dies,
      // even by SIGKILL.
      "--exit-with-parent",
    ]
    for quirk in quirks { arguments += ["--quirk", quirk] }
    for quirk in withoutQuirks { arguments += ["--without-quirk", quirk] }
    if let objectInfo { arguments += ["--object-info", objectInfo] }
    for node in failingNodes { arguments += ["--fail-node", node] }
    for (node, duration) in slowNodes.sorted(by: { $0.key < $1.key }) {
      arguments += ["--slow-node", "\(node)=\(Self.text(duration))"]
    }
    return arguments + extraArguments
  }

  /// Whole milliseconds, the unit every `faultline` duration option accepts.
  static func text(_ duration: Duration) -> String {
    "\(Int((duration.inMilliseconds).rounded()))ms"
  }
}
