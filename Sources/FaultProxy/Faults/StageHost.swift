/// Everything a fault stage may do to the connection it runs on, beyond passing chunks on.
///
/// The live host is the `ConnectionPair` (see ConnectionPair+StageHost.swift); tests use a host that
/// records what was asked of it. A host serves both directions of one connection, so calls about one
/// direction name it. Loop-confined.
protocol StageHost: AnyObject {
  /// When the connection was accepted (monotonic nanoseconds).
  var openedAt: UInt64 { get }

  /// Stops reading the source of `direction` until `resumeReading`, so its peer's sends back up.
  func pauseReading(_ direction: Direction)
  /// Undoes `pauseReading`; the source is read again once nothing else holds it.
  func resumeReading(_ direction: Direction)

  /// Ends the connection at once with a RST toward the chosen sides and plain closes elsewhere.
  func abort(resetClient: Bool, resetUpstream: Bool)
  /// Closes both sides without a reset.
  func closeBoth()
  /// Closes the server side quietly while the client side stays open and silent.
  func forgetUpstream()
  /// A byte limit ran out in `direction`: stops reading both sources and ends the other direction
  /// after what its stages still hold. The stage itself sends the FIN of `direction`.
  func finishAfterLimit(direction: Direction)

  /// A stage threw `count` bytes of `direction` away on purpose.
  func discarded(_ count: Int, direction: Direction)

  /// The configured delay of every latency fault on both directions, as the faults stand now: the
  /// round trip a loss stage's modelled sender sees on top of the real path's.
  func configuredLatency() -> UInt64
  /// The share of segments the loss faults on `direction` lose together, as the faults stand now:
  /// for a loss stage, how many of its ACKs the other direction loses.
  func lossRate(on direction: Direction) -> Double
  /// The round-trip estimate of `direction`'s modelled sender, made on first use with the asking
  /// stage's `rto_min`: a loss stage keeps its own direction's and feeds the other's late samples.
  func roundTripEstimate(of direction: Direction, minimumTimeout: UInt64) -> RoundTripEstimate
  /// The proxy-wide token bucket of a bandwidth fault's `proxy_rate`, shared by every connection.
  func sharedBucket(for key: String, direction: Direction, rate: Double) -> SharedTokenBucket

  /// Whether the event log wants decisions; read once per chunk by stages that decide per packet.
  var isLogging: Bool { get }
  /// Adds decisions to the proxy's counter.
  func countActions(_ count: Int)
  /// Writes a decision to the event log without counting it.
  func record(_ decision: StageDecision)
}

/// One decision of a fault stage, before the host stamps it with its proxy and connection.
struct StageDecision: Equatable {
  var direction: Direction
  /// The fault's name.
  var fault: String
  var action: String
  var bytes: Int = 0
  var offset: UInt64? = nil
  var value: Double? = nil
  /// When the bytes concerned reached the proxy, or when the decision was taken (monotonic ns).
  var time: UInt64
}
