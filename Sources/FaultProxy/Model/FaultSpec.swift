/// Which way through a connection a fault applies.
///
/// `upstream` is client → server, `downstream` is server → client.
public enum Direction: String, Sendable, Hashable, Codable, CaseIterable {
  case upstream
  case downstream
}

/// The directions a fault is attached to, as written in a profile or an API call.
public enum StreamSelector: String, Sendable, Hashable, Codable, CaseIterable {
  case upstream
  case downstream
  case both

  /// The concrete directions this selector covers.
  public var directions: [Direction] {
    switch self {
    case .upstream: [.upstream]
    case .downstream: [.downstream]
    case .both: [.upstream, .downstream]
    }
  }
}

/// One configured fault: what it does, where it applies and how often.
///
/// This is the value form shared by profiles, the control API and the data plane. The data plane
/// turns it into a running fault stage per connection and direction.
public struct FaultSpec: Sendable, Hashable {
  /// A name unique within a proxy; defaults to `TYPE_STREAM` as Toxiproxy does.
  public var name: String
  /// The directions the fault applies to.
  public var stream: StreamSelector
  /// Probability (0...1) that the fault applies to a given connection, drawn once per connection.
  public var toxicity: Double
  /// What the fault does.
  public var kind: FaultKind

  public init(
    name: String? = nil, stream: StreamSelector = .both, toxicity: Double = 1.0, kind: FaultKind
  ) {
    self.name = name ?? "\(kind.typeName)_\(stream.rawValue)"
    self.stream = stream
    self.toxicity = toxicity
    self.kind = kind
  }
}

/// The behaviour of a fault and its parameters.
public enum FaultKind: Sendable, Hashable {
  case latency(Latency)
  case bandwidth(Bandwidth)
  case loss(Loss)
  case halfOpen(HalfOpen)
  case halfClose
  case reset(Reset)
  case slowClose(delay: Duration)
  case slicer(Slicer)
  case limitData(bytes: Int)
  case timeout(Duration)
  case refuse(RefuseMode)
  case connectDelay(ConnectDelay)
  case noop

  /// The type name used in profiles and the control API.
  public var typeName: String {
    switch self {
    case .latency: "latency"
    case .bandwidth: "bandwidth"
    case .loss: "loss"
    case .halfOpen: "half_open"
    case .halfClose: "half_close"
    case .reset: "reset"
    case .slowClose: "slow_close"
    case .slicer: "slicer"
    case .limitData: "limit_data"
    case .timeout: "timeout"
    case .refuse: "refuse"
    case .connectDelay: "connect_delay"
    case .noop: "noop"
    }
  }

  /// Every type name a profile or API call may use.
  public static let typeNames: [String] = [
    "latency", "bandwidth", "loss", "half_open", "half_close", "reset", "slow_close", "slicer",
    "limit_data", "timeout", "refuse", "connect_delay", "noop",
  ]
}

extension FaultKind {
  /// Shape of the random part of a latency fault, as netem offers.
  public enum Distribution: String, Sendable, Hashable, CaseIterable {
    case uniform, normal, pareto, paretonormal
  }

  /// Each chunk is held `delay` ± `jitter`; order is kept.
  public struct Latency: Sendable, Hashable {
    public var delay: Duration
    public var jitter: Duration
    public var distribution: Distribution
    /// 0...1: how much each sample leans on the previous one (netem's correlation).
    public var correlation: Double
    public init(
      delay: Duration, jitter: Duration = .zero, distribution: Distribution = .uniform,
      correlation: Double = 0
    ) {
      self.delay = delay
      self.jitter = jitter
      self.distribution = distribution
      self.correlation = correlation
    }
  }

  /// A token bucket: `bytesPerSecond` per connection, and optionally a cap shared by every connection of the proxy.
  public struct Bandwidth: Sendable, Hashable {
    public var bytesPerSecond: Double
    public var proxyBytesPerSecond: Double?
    public init(bytesPerSecond: Double, proxyBytesPerSecond: Double? = nil) {
      self.bytesPerSecond = bytesPerSecond
      self.proxyBytesPerSecond = proxyBytesPerSecond
    }
  }

  /// Which segments are lost.
  public enum LossModel: Sendable, Hashable {
    /// Each segment lost with probability `rate`, optionally correlated with the previous draw.
    case independent
    /// Gilbert-Elliott: `p` good→bad, `r` bad→good, loss probability `1-h` in bad and `1-k` in good (netem `gemodel p r 1-h 1-k`).
    case gilbertElliott(p: Double, r: Double, lossInBad: Double, lossInGood: Double)
  }

  /// What a lost segment does to the stream.
  public enum LossMode: String, Sendable, Hashable {
    /// TCP semantics: the segment is recovered as Linux recovers it (fast retransmit, tail loss probe or
    /// retransmission timeout, doubling when lost again); everything behind it waits.
    case retransmit
    /// The bytes are gone: the stream is corrupted on purpose.
    case discard
  }

  /// The congestion control the retransmit-mode sender follows: how its window grows and how loss cuts it.
  public enum CongestionControl: String, Sendable, Hashable, CaseIterable {
    /// Linux's default: the window grows as a cubic function of the time since the last cut, cut to 0.7.
    case cubic
    /// Classic Reno: one segment more per round trip, halved on loss.
    case reno
    /// No window: loss only delays the lost segments, throughput is never limited.
    case none
  }

  /// Segment loss, modelled on 1448-byte segments of the stream.
  public struct Loss: Sendable, Hashable {
    public var rate: Double
    public var model: LossModel
    public var correlation: Double
    public var mode: LossMode
    /// The minimum retransmission timeout (Linux's `rto_min`); the timeout is the path's RTT plus this.
    public var retransmissionTimeout: Duration
    public var segmentSize: Int
    /// Retransmit mode: the congestion window of the modelled sender.
    public var congestion: CongestionControl
    public init(
      rate: Double, model: LossModel = .independent, correlation: Double = 0,
      mode: LossMode = .retransmit,
      retransmissionTimeout: Duration = .milliseconds(200), segmentSize: Int = 1448,
      congestion: CongestionControl = .cubic
    ) {
      self.rate = rate
      self.model = model
      self.correlation = correlation
      self.mode = mode
      self.retransmissionTimeout = retransmissionTimeout
      self.segmentSize = segmentSize
      self.congestion = congestion
    }
  }

  /// How a silent connection treats bytes its peer keeps sending.
  public enum HalfOpenReads: String, Sendable, Hashable {
    /// Stop reading: the peer's sends back up, as with a dead host.
    case stop
    /// Read and throw away.
    case discard
  }

  /// Which side forgets the connection.
  public enum HalfOpenSide: String, Sendable, Hashable {
    /// Both sides stay connected but nothing passes.
    case both
    /// The server side is closed while the client still believes it is connected.
    case upstream
  }

  /// The connection goes silent: no data, no FIN, no RST.
  public struct HalfOpen: Sendable, Hashable {
    /// When after the fault is applied the silence begins.
    public var after: Duration
    /// How long it lasts; nil means until the fault is removed.
    public var duration: Duration?
    public var reads: HalfOpenReads
    public var side: HalfOpenSide
    public init(
      after: Duration = .zero, duration: Duration? = nil, reads: HalfOpenReads = .stop,
      side: HalfOpenSide = .both
    ) {
      self.after = after
      self.duration = duration
      self.reads = reads
      self.side = side
    }
  }

  /// Which peer receives the reset.
  public enum ResetSide: String, Sendable, Hashable {
    case client, upstream, both
  }

  /// Close with RST after a time, after a number of bytes, or for a share of connections.
  public struct Reset: Sendable, Hashable {
    /// Time since the connection opened (or since its first byte, with `startsAtFirstByte`).
    public var after: Duration?
    /// Bytes passed in the fault's direction(s).
    public var afterBytes: Int?
    /// Probability per connection that the reset happens at all (independent of toxicity).
    public var probability: Double
    public var side: ResetSide
    /// Toxiproxy's `reset_peer`: the clock starts at the first chunk in the fault's direction, which is
    /// dropped together with everything after it.
    public var startsAtFirstByte: Bool
    public init(
      after: Duration? = nil, afterBytes: Int? = nil, probability: Double = 1,
      side: ResetSide = .both,
      startsAtFirstByte: Bool = false
    ) {
      self.after = after
      self.afterBytes = afterBytes
      self.probability = probability
      self.side = side
      self.startsAtFirstByte = startsAtFirstByte
    }
  }

  /// Chunks cut into pieces of `averageSize` ± `sizeVariation` bytes, `delay` apart.
  public struct Slicer: Sendable, Hashable {
    public var averageSize: Int
    public var sizeVariation: Int
    public var delay: Duration
    public init(averageSize: Int, sizeVariation: Int = 0, delay: Duration = .zero) {
      self.averageSize = averageSize
      self.sizeVariation = sizeVariation
      self.delay = delay
    }
  }

  /// How a refusing proxy turns new connections away.
  public enum RefuseMode: String, Sendable, Hashable {
    /// The listener is closed: clients see ECONNREFUSED.
    case closed
    /// Connections are accepted, then reset.
    case reset
    /// SYNs go unanswered, as with a host that has gone away: clients' connects hang and
    /// retransmit, and complete once the fault is gone.
    case blackhole
  }

  /// Upstream connection set-up slowed down, or never completed.
  public struct ConnectDelay: Sendable, Hashable {
    public var delay: Duration
    /// When true the upstream connection is never attempted: the client waits until it gives up.
    public var never: Bool
    public init(delay: Duration, never: Bool = false) {
      self.delay = delay
      self.never = never
    }
  }
}
