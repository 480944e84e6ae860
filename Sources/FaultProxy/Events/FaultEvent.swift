/// One decision a fault took, as written to the event log (one JSON object per line).
public struct FaultEvent: Sendable, Hashable, Codable {
  /// Milliseconds since the engine started (monotonic). For a decision about bytes (delay, drop,
  /// stall), when those bytes reached the proxy; for a timeline edge, the moment the plan set for it.
  public var time: Double
  public var proxy: String
  /// The connection's index in accept order; nil for decisions about the whole proxy (timeline phases).
  public var connection: UInt64?
  /// nil for decisions about the whole connection.
  public var direction: Direction?
  /// The fault's name.
  public var fault: String
  /// What happened: delay, drop, stall, reset, half_open, resume, fin, refuse, connect_delay, ...
  public var action: String
  /// Bytes concerned (0 when none).
  public var bytes: Int
  /// Stream offset of the first byte concerned.
  public var offset: UInt64?
  /// Extra figure for the action, e.g. the delay in milliseconds.
  public var value: Double?

  public init(
    time: Double, proxy: String, connection: UInt64?, direction: Direction?, fault: String,
    action: String,
    bytes: Int = 0, offset: UInt64? = nil, value: Double? = nil
  ) {
    self.time = time
    self.proxy = proxy
    self.connection = connection
    self.direction = direction
    self.fault = fault
    self.action = action
    self.bytes = bytes
    self.offset = offset
    self.value = value
  }
}
