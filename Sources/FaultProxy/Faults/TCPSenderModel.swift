/// The sending side of a Linux TCP connection over a lossy path, reduced to what the receiving
/// application sees: when each segment (or its successful retransmission) leaves the sender.
///
/// Segments leave when the congestion window has room; a delivered segment is acknowledged one round
/// trip later. A lost segment is recovered in one of three ways, as Linux's RACK-TLP does:
/// - fast retransmit: a later segment gets through and its SACK, one round trip after it was sent (and
///   at least a quarter round trip after the lost one was due, RACK's reordering window), marks the
///   lost segment; it is resent then;
/// - tail loss probe: nothing follows it but earlier segments are still unacknowledged; their ACKs
///   re-arm the probe timer, and once the lost segment is alone Linux allows for a delayed ACK, so the
///   probe fires a timeout after the last ACK (two round trips plus two ticks only while earlier
///   segments stay unacknowledged that long), without collapsing the window;
/// - retransmission timeout: the segment is alone in flight (a request, a lone message), so only the
///   timeout (round trip + `rto_min`, one tick late) resends it.
/// A lost retransmission is recovered the same ways (RACK also marks a lost retransmission when a
/// segment sent after it is SACKed), else by the timeout, doubling after each timeout. Loop-confined,
/// deterministic.
struct TCPSenderModel {
  /// How a lost segment was recovered, for the event log.
  enum Recovery: String {
    case fastRetransmit = "fast_retransmit"
    case tailLossProbe = "tail_loss_probe"
    case timeout
  }

  /// Linux's timer tick at HZ=250 (Debian's and most distributions' kernels): timers fire on ticks.
  static let tick: UInt64 = 4_000_000
  /// `TCP_TIMEOUT_MIN`, two ticks, added to the probe timeout when several segments are out.
  static let probeMinimum: UInt64 = 2 * tick

  private(set) var window: CongestionWindow
  /// Acknowledgement times of segments in flight, ascending.
  private var acknowledgements: [UInt64] = []
  private var acknowledgementHead = 0
  /// Lost segments not yet recovered: in flight for the window, with no acknowledgement time yet.
  private var unresolved = 0
  /// Until when a further loss belongs to the same recovery episode (one window cut per episode).
  private var episodeEnd: UInt64 = 0
  /// Segments leave in stream order: none before the one ahead of it.
  private var lastSent: UInt64 = 0

  init(congestion: LossFault.CongestionControl) {
    window = CongestionWindow(control: congestion)
  }

  /// When a segment that reached the sender at `arrival` leaves: at once, or when an acknowledgement
  /// makes room in the window.
  mutating func sendTime(arrival: UInt64, rtt: UInt64) -> UInt64 {
    var now = max(arrival, lastSent)
    acknowledge(upTo: now, rtt: rtt)
    while inFlight + unresolved >= window.limit, let next = nextAcknowledgement {
      now = max(now, next)
      acknowledge(upTo: now, rtt: rtt)
    }
    lastSent = now
    return now
  }

  /// A segment sent at `sent` got through.
  mutating func delivered(sentAt sent: UInt64, rtt: UInt64) {
    insertAcknowledgement(sent &+ rtt)
  }

  /// A segment sent at `sent` was lost: the timer that recovers it if no later segment does.
  mutating func lost(sentAt sent: UInt64, rtt: UInt64, minimumTimeout: UInt64) -> (
    deadline: UInt64, recovery: Recovery
  ) {
    let others = inFlight + unresolved
    unresolved += 1
    let timeout = Self.retransmissionTimeout(rtt: rtt, minimum: minimumTimeout)
    guard others > 0, let lastAcknowledgement = acknowledgements.last else {
      return (sent &+ timeout, .timeout)
    }
    // Each acknowledgement of an earlier segment re-arms the probe timer; once the lost segment is the
    // only one out, Linux adds `rto_min` for the receiver's delayed ACK, and the probe fires when the
    // timeout would (2·RTT + rto_min, capped at the timeout), but without collapsing the window.
    let probe = sent &+ min(2 &* rtt &+ Self.probeMinimum, timeout)
    if lastAcknowledgement < probe {
      return (max(sent, lastAcknowledgement) &+ timeout, .tailLossProbe)
    }
    return (probe, .tailLossProbe)
  }

  /// When a later segment sent at `laterSent` gets through, the SACK it brings marks the lost one.
  static func fastRetransmitTime(lostSent: UInt64, laterSent: UInt64, rtt: UInt64) -> UInt64 {
    max(laterSent &+ rtt, lostSent &+ rtt &+ rtt / 4)
  }

  /// The lost segment is resent at `time` by `recovery`: the window reacts as Linux's does (a
  /// timeout collapses it, a fast retransmit or probe cuts it once per recovery episode).
  mutating func resent(at time: UInt64, by recovery: Recovery, rtt: UInt64) {
    if recovery == .timeout {
      window.timedOut()
    } else if time >= episodeEnd {
      window.reduce()
      episodeEnd = time &+ rtt
    }
  }

  /// The copy resent at `time` got through.
  mutating func retransmissionDelivered(at time: UInt64, rtt: UInt64) {
    unresolved -= 1
    insertAcknowledgement(time &+ rtt)
  }

  /// Linux's timeout once the round trip is known: RTT + `rto_min`, fired on the next tick.
  static func retransmissionTimeout(rtt: UInt64, minimum: UInt64) -> UInt64 {
    rtt &+ minimum &+ tick
  }

  private var inFlight: Int { acknowledgements.count - acknowledgementHead }

  private var nextAcknowledgement: UInt64? {
    acknowledgementHead < acknowledgements.count ? acknowledgements[acknowledgementHead] : nil
  }

  private mutating func acknowledge(upTo now: UInt64, rtt: UInt64) {
    while let next = nextAcknowledgement, next <= now {
      acknowledgementHead += 1
      window.acknowledged(at: next, rtt: rtt)
    }
    if acknowledgementHead > 256 && acknowledgementHead * 2 > acknowledgements.count {
      acknowledgements.removeFirst(acknowledgementHead)
      acknowledgementHead = 0
    }
  }

  private mutating func insertAcknowledgement(_ time: UInt64) {
    // Mostly in order (send times only grow); a retransmission may land a little earlier in the list.
    var index = acknowledgements.count
    while index > acknowledgementHead && acknowledgements[index - 1] > time { index -= 1 }
    acknowledgements.insert(time, at: index)
  }
}
