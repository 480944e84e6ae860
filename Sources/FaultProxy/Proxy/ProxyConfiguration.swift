import Glibc

/// What one proxy listens on and where it forwards.
public struct ProxyConfiguration: Sendable, Hashable {
  public var name: String
  /// Port 0 picks a free port; `ProxyInfo.listen` shows the real one.
  public var listen: SocketAddress
  public var upstream: SocketAddress
  /// How long an upstream connection may take before the client is cut off.
  public var connectTimeout: Duration
  /// Faults applied to every connection, in order.
  public var faults: [FaultSpec]

  public init(
    name: String, listen: SocketAddress, upstream: SocketAddress,
    connectTimeout: Duration = .seconds(5),
    faults: [FaultSpec] = []
  ) {
    self.name = name
    self.listen = listen
    self.upstream = upstream
    self.connectTimeout = connectTimeout
    self.faults = faults
  }
}

/// A running proxy as the engine reports it.
public struct ProxyInfo: Sendable, Hashable {
  public var name: String
  /// The address really bound (port 0 resolved).
  public var listen: SocketAddress
  public var upstream: SocketAddress
  /// The proxy's own faults (a profile's timeline faults come on top while their phase runs).
  public var faults: [FaultSpec]
  /// False while the proxy is disabled: listener closed, connections closed.
  public var enabled: Bool
  /// The name of the profile last applied, if any.
  public var profile: String?
}

/// Tuning of the engine: threads, buffers and backpressure.
public struct EngineConfiguration: Sendable, Hashable {
  /// Number of loop threads; connections are spread across them round-robin.
  public var loopCount: Int
  /// Size of each pooled read buffer.
  public var readBufferSize: Int
  /// Stop reading a source once this many bytes wait for its sink (held by faults or queued for writing).
  public var highWaterMark: Int
  /// Resume reading once the backlog falls below this.
  public var lowWaterMark: Int
  /// Bound on the bytes buffered by all connections together (split evenly between the loops): over
  /// it, connections holding bytes stop reading until the total falls to three quarters of it.
  public var bufferLimit: Int
  /// Seed of every random decision; nil picks one at random (see `ProxyEngine.seed`).
  public var seed: UInt64?

  public init(
    loopCount: Int = EngineConfiguration.defaultLoopCount, readBufferSize: Int = 64 * 1024,
    highWaterMark: Int = 1 << 20, lowWaterMark: Int = 256 * 1024, bufferLimit: Int = 256 << 20,
    seed: UInt64? = nil
  ) {
    self.loopCount = max(1, loopCount)
    self.readBufferSize = readBufferSize
    self.highWaterMark = highWaterMark
    self.lowWaterMark = min(lowWaterMark, highWaterMark)
    self.bufferLimit = max(bufferLimit, 1)
    self.seed = seed
  }

  /// One loop per core, at most four.
  public static var defaultLoopCount: Int {
    let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    return min(max(cores, 1), 4)
  }
}
