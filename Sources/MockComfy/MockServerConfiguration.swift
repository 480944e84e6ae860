import FaultlineServing
import Foundation

/// Known behaviours of the real ComfyUI server that the mock reproduces only when asked, so that clients
/// can prove they cope with them.
public enum MockQuirk: String, Sendable, CaseIterable {
  /// ComfyUI issue #16010: when an old socket's handler ends after a new socket with the same `clientId`
  /// has registered, the old handler removes the new one; the reconnected client silently stops receiving.
  /// ComfyUI 0.3.64 behaves so, hence on by default; switch it off for the fixed behaviour.
  case reconnectRace = "reconnect-race"

  /// What ComfyUI 0.3.64 does, and so what the mock does unless told otherwise.
  public static let realServerDefaults: Set<MockQuirk> = [.reconnectRace]
}

/// How a mock server listens, how long its work takes and which scripted behaviour it shows.
public struct MockServerConfiguration: Sendable {
  /// Address to bind; loopback by default so a test never exposes the mock.
  public var host: String
  /// Whether `host` may be an address other machines reach (the mock takes uploads and serves
  /// files); `MockServer.start()` refuses such an address without it.
  public var allowRemote: Bool
  /// Port to bind; 0 lets the kernel pick one (read it back from `MockServer.start()`).
  public var port: Int
  /// How long each node of a prompt runs.
  public var nodeTime: Duration
  /// Progress steps (with a preview frame each) that a sampler node reports while it runs.
  public var progressSteps: Int
  /// Interval of an unsolicited `status` broadcast that lets idle clients see traffic; nil (the
  /// default) sends none, as the real server sends none while idle.
  public var statusInterval: Duration?
  /// Real-server behaviours switched on; the real server's own (`MockQuirk.realServerDefaults`) by default.
  public var quirks: Set<MockQuirk>
  /// The node classes served and run: the built-in core nodes, or a user's `/object_info` dump.
  public var nodes: NodeCatalog
  /// Nodes (by class type or node id) that fail with `execution_error` when they run.
  public var failingNodes: Set<String>
  /// Nodes (by class type or node id) that run for the given time instead of `nodeTime`.
  public var slowNodes: [String: Duration]
  /// Whether unchanged nodes are served from the outputs of the previous prompt; classic, as the real
  /// server's default.
  public var cache: MockCacheMode
  /// `max_upload_size` reported by `/features`, in bytes; ComfyUI's default is 100 MiB.
  public var maxUploadSize: Int
  /// Where the server creates its own input/output/temp directory (removed at stop); the system temporary
  /// directory when nil. A parent that may SIGKILL the server passes a directory it removes itself,
  /// because a killed server cannot clean up.
  public var outputParentDirectory: URL?

  public init(
    host: String = "127.0.0.1",
    allowRemote: Bool = false,
    port: Int = 0,
    nodeTime: Duration = .milliseconds(250),
    progressSteps: Int = 4,
    statusInterval: Duration? = nil,
    quirks: Set<MockQuirk> = MockQuirk.realServerDefaults,
    nodes: NodeCatalog = .builtIn,
    failingNodes: Set<String> = [],
    slowNodes: [String: Duration] = [:],
    cache: MockCacheMode = .classic,
    maxUploadSize: Int = 100 * 1024 * 1024,
    outputParentDirectory: URL? = nil
  ) {
    self.host = host
    self.allowRemote = allowRemote
    self.port = port
    self.nodeTime = nodeTime
    self.progressSteps = progressSteps
    self.statusInterval = statusInterval
    self.quirks = quirks
    self.nodes = nodes
    self.failingNodes = failingNodes
    self.slowNodes = slowNodes
    self.cache = cache
    self.maxUploadSize = maxUploadSize
    self.outputParentDirectory = outputParentDirectory
  }

  /// Refuses a `host` other machines reach unless `allowRemote` says so.
  public func checkListenAddress() throws(MockServer.StartError) {
    guard allowRemote || LoopbackHost.contains(host) else {
      throw .remoteNotAllowed(host: host)
    }
  }

  /// How long the node runs, given its id and class.
  func runTime(nodeID: String, classType: String) -> Duration {
    slowNodes[nodeID] ?? slowNodes[classType] ?? nodeTime
  }

  /// Whether the node is scripted to fail.
  func fails(nodeID: String, classType: String) -> Bool {
    failingNodes.contains(nodeID) || failingNodes.contains(classType)
  }
}
