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
///   timeout (Linux's `srtt + rttvar`, at least round trip + `rto_min`, one tick late; see
///   `RoundTripEstimate`) resends it.
/// A lost retransmission is recovered the same ways (RACK also marks a lost retransmission when a
/// segment sent after it is SACKed), else by the timeout, doubling after each timeout. During a fast
/// recovery new data leaves only as segments are delivered (proportional rate reduction).
///
/// The window grows only while it limits the sender (Linux's `tcp_is_cwnd_limited`): a sender that
/// waits for its application, such as a stream of small messages, keeps the window its losses cut,
/// down to two segments, and then its messages wait for ACKs.
///
/// ACKs are lost too. A lost ACK delays what it acknowledges to the next, cumulative, ACK (which
/// shows when the window is that small) and a lost SACK delays the fast retransmit it would have
/// started to the next SACK. The ACK that ends a fast recovery while data waits for the window is
/// worse: the receiver acknowledges the filled hole and
/// what was sent behind it in one cumulative ACK, and Linux arms no loss probe during recovery, so the
/// sender sends nothing new until its retransmission timeout; that timeout is spurious (everything
/// had arrived), F-RTO sees so and the window is kept.
///
/// A timeout collapses the window to one segment and resends the oldest unacknowledged one, so new
/// data waits one more round trip, for that copy's ACK (the kernel's message stream at 5 %/20 ms:
/// the message after a recovery ended by a timeout left 40 ms after the timeout's copy, whether
/// the timeout was spurious or resent a lost fast retransmission). Loop-confined, deterministic.
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
  /// When the window was last cut: a loss of a segment first sent before then belongs to the same
  /// recovery episode (Linux's `high_seq`), and the window is cut once per episode.
  private var episodeStart: UInt64?
  /// Segments leave in stream order: none before the one ahead of it.
  private var lastSent: UInt64 = 0
  /// Window cuts not yet due (a timeout collapses the window), ascending in time.
  private var pendingCuts: [(time: UInt64, timeout: Bool)] = []
  /// A recovery's closing ACK was lost: nothing new leaves from `start` until the timeout at `end`.
  private var stall: (start: UInt64, end: UInt64)?
  /// Delivered segments whose ACK was lost: the next ACK acknowledges them too.
  private var awaitingNextAcknowledgement = 0
  /// Whether the window limited the sender lately, which it must for the window to grow.
  private var usage = WindowUsage()
  /// A fast recovery in progress: from a fast retransmission until its ACK comes back, Linux's
  /// proportional rate reduction lets new data leave only as segments are delivered (with fewer out
  /// than the cut window, one for one: `prr_delivered - prr_out`). A message stream's next message
  /// thus waits for the retransmission's ACK, as the kernel's does.
  private var recovery: (start: UInt64, end: UInt64, delivered: Int, sent: Int)?

  /// The smoothed RTT and timeout, which late ACKs lengthen; shared with the other direction's
  /// loss stage, which delivers the ACKs that ride on its data.
  let estimate: RoundTripEstimate
  private var pendingProbe: UInt64?

  init(
    congestion: LossFault.CongestionControl, minimumTimeout: UInt64 = 200_000_000,
    estimate: RoundTripEstimate? = nil
  ) {
    window = CongestionWindow(control: congestion)
    self.estimate = estimate ?? RoundTripEstimate(minimumTimeout: minimumTimeout)
  }

  /// The retransmission timeout now, fired on the next tick; `rtt` is the path's round trip, what
  /// the estimate starts from.
  func retransmissionTimeout(rtt: UInt64) -> UInt64 {
    estimate.timeout(path: rtt) &+ Self.tick
  }

  /// The tail loss probe's wait: two smoothed round trips plus `margin`, but never past the timeout.
  func probeTimeout(rtt: UInt64, margin: UInt64) -> UInt64 {
    min(2 &* estimate.smoothedRTT(path: rtt) &+ margin, retransmissionTimeout(rtt: rtt))
  }

  /// When a segment that reached the sender at `arrival` leaves: at once, or when an acknowledgement
  /// makes room in the window.
  mutating func sendTime(arrival: UInt64, rtt: UInt64) -> UInt64 {
    var now = max(arrival, lastSent)
    acknowledge(upTo: now, rtt: rtt)
    while true {
      if outstanding >= window.limit, let next = nextAcknowledgement {
        now = max(now, next)
      } else if outstanding >= window.limit, awaitingNextAcknowledgement > 0 {
        probeForLostAcknowledgements(rtt: rtt)
      } else if let recovery, now >= recovery.start, now < recovery.end,
        recovery.delivered <= recovery.sent
      {
        now = max(now, min(nextAcknowledgement ?? recovery.end, recovery.end))
      } else {
        break
      }
      acknowledge(upTo: now, rtt: rtt)
    }
    if let active = recovery, now >= active.start {
      recovery =
        now < active.end ? (active.start, active.end, active.delivered, active.sent + 1) : nil
    }
    if let stall, now >= stall.start {
      if now < stall.end { now = stall.end }
      self.stall = nil
    }
    lastSent = now
    estimate.sent(at: now)
    usage.record(flight: outstanding + 1, limit: window.limit, at: now, rtt: rtt)
    return now
  }

  /// The window is full and no ACK is coming: the segments out got through but their ACKs were lost
  /// (or the lost ones wait for their timers). Linux's tail loss probe resends the last segment a
  /// probe timeout after it left (2·RTT plus two ticks, or plus `rto_min` with one segment out), and
  /// the probe's ACK acknowledges everything that got through, and SACKs it past a hole.
  private mutating func probeForLostAcknowledgements(rtt: UInt64) {
    // With one segment out Linux waits `rto_min` more, for the receiver's delayed ACK.
    let margin = outstanding > 1 ? Self.probeMinimum : estimate.minimumTimeout
    let probe = lastSent &+ probeTimeout(rtt: rtt, margin: margin)
    for _ in 0..<awaitingNextAcknowledgement { insertAcknowledgement(probe &+ rtt) }
    awaitingNextAcknowledgement = 0
    pendingProbe = probe
  }

  /// When the last tail loss probe left, if one did since the last call: the loss stage lets it
  /// mark lost segments, as the SACK of a segment sent then would.
  mutating func takeProbe() -> UInt64? {
    defer { pendingProbe = nil }
    return pendingProbe
  }

  /// The ACK of a fast retransmission sent at `time` was lost while data waited for the window: nothing new
  /// leaves until `deadline`, its retransmission timeout (counted from the last ACK seen, at `time`),
  /// has resent the oldest segment and that copy's ACK is back, a round trip later.
  mutating func recoveryAcknowledgementLost(at time: UInt64, until deadline: UInt64, rtt: UInt64) {
    stall = (time, deadline &+ rtt)
  }

  /// A segment sent at `sent` got through; its ACK was lost or not.
  mutating func delivered(sentAt sent: UInt64, rtt: UInt64, acknowledgementLost: Bool = false) {
    if acknowledgementLost {
      awaitingNextAcknowledgement += 1
    } else {
      acknowledge(sent &+ rtt)
      estimate.sample(rtt, sentAt: sent)
    }
    awaitAcknowledgementCarrier(sentAt: sent, rtt: rtt)
  }

  /// The receiver acknowledges the segment sent at `sent` on the next data the other direction
  /// sends, if that comes soon enough (see `LossStage.carriedAcknowledgement`).
  private func awaitAcknowledgementCarrier(sentAt sent: UInt64, rtt: UInt64) {
    estimate.unacknowledged = RoundTripEstimate.Unacknowledged(
      sent: sent, arrives: sent &+ rtt / 2, timeout: retransmissionTimeout(rtt: rtt))
  }

  /// A segment sent at `sent` was lost: the timer that recovers it if no later segment does.
  mutating func lost(sentAt sent: UInt64, rtt: UInt64) -> (deadline: UInt64, recovery: Recovery) {
    let others = outstanding
    let othersLost = unresolved
    unresolved += 1
    let timeout = retransmissionTimeout(rtt: rtt)
    // An earlier segment lost too stays out, unacknowledged: the probe fires two round trips and two
    // ticks after this one left, resends it, and its SACK marks the earlier one.
    if othersLost > 0 {
      return (sent &+ probeTimeout(rtt: rtt, margin: Self.probeMinimum), .tailLossProbe)
    }
    guard others > 0, let lastAcknowledgement = acknowledgements.last else {
      return (sent &+ timeout, .timeout)
    }
    // Each acknowledgement of an earlier segment re-arms the probe timer; once the lost segment is the
    // only one out, Linux adds `rto_min` for the receiver's delayed ACK, and the probe fires when the
    // timeout would (2·RTT + rto_min, capped at the timeout), but without collapsing the window.
    let probe = sent &+ probeTimeout(rtt: rtt, margin: Self.probeMinimum)
    if lastAcknowledgement < probe {
      return (max(sent, lastAcknowledgement) &+ timeout, .tailLossProbe)
    }
    return (probe, .tailLossProbe)
  }

  /// When a later segment sent at `laterSent` gets through, the SACK it brings marks the lost one.
  static func fastRetransmitTime(lostSent: UInt64, laterSent: UInt64, rtt: UInt64) -> UInt64 {
    max(laterSent &+ rtt, lostSent &+ rtt &+ rtt / 4)
  }

  /// The lost segment, first sent at `firstSent`, is resent at `time` by `recovery`: the window reacts
  /// as Linux's does (a timeout collapses it, a fast retransmit or probe cuts it once per recovery
  /// episode: not again for segments that were already out when it was cut).
  mutating func resent(at time: UInt64, by recovery: Recovery, firstSent: UInt64, rtt: UInt64) {
    if recovery == .fastRetransmit { startRecovery(at: time, rtt: rtt) }
    guard recovery == .timeout || firstSent >= episodeStart ?? 0 else { return }
    episodeStart = time
    // The model learns of a loss when the packet whose SACK marks it is sent, a round trip before
    // the sender would; the cut waits for the retransmission, as the sender's does.
    let index = pendingCuts.firstIndex { $0.time > time } ?? pendingCuts.endIndex
    pendingCuts.insert((time, recovery == .timeout), at: index)
  }

  /// A fast retransmission at `time` starts a recovery, or extends the one in progress (Linux stays
  /// in one recovery until everything out when it began is acknowledged). The SACK that started it
  /// counts as delivered, the retransmission as sent.
  private mutating func startRecovery(at time: UInt64, rtt: UInt64) {
    if var active = recovery, time < active.end {
      active.end = max(active.end, time &+ rtt)
      active.sent += 1
      recovery = active
    } else {
      recovery = (time, time &+ rtt, 1, 1)
    }
  }

  /// The copy resent at `time` was lost too: the recovery it is part of lasts until that copy is
  /// resent, by a SACK or by the timeout at `deadline` (with no new data let out meanwhile, no SACK
  /// comes in a message stream: it waits for the timeout, as Linux's does), and the timeout's copy is
  /// acknowledged a round trip later.
  mutating func retransmissionLost(at time: UInt64, until deadline: UInt64, rtt: UInt64) {
    if var active = recovery, time >= active.start, time <= active.end {
      active.end = max(active.end, deadline &+ rtt)
      recovery = active
    }
  }

  /// The copy resent at `time` got through. When its ACK was lost (`acknowledgementLostUntil`: the
  /// timeout that then resends it), the next ACK acknowledges it, and the recovery it was part of
  /// lasts until then or, if no ACK comes, until the ACK of the timeout's copy (spurious: F-RTO keeps
  /// the window).
  mutating func retransmissionDelivered(
    at time: UInt64, rtt: UInt64, acknowledgementLostUntil deadline: UInt64? = nil
  ) {
    unresolved -= 1
    awaitAcknowledgementCarrier(sentAt: time, rtt: rtt)
    guard let deadline else {
      acknowledge(time &+ rtt)
      return
    }
    awaitingNextAcknowledgement += 1
    if var active = recovery, time >= active.start {
      active.end = max(active.end, deadline &+ rtt)
      recovery = active
    }
  }

  private var inFlight: Int { acknowledgements.count - acknowledgementHead }

  /// Segments sent and not yet acknowledged: delivered (ACK due or lost), lost and not yet recovered.
  private var outstanding: Int { inFlight + awaitingNextAcknowledgement + unresolved }

  private var nextAcknowledgement: UInt64? {
    acknowledgementHead < acknowledgements.count ? acknowledgements[acknowledgementHead] : nil
  }

  /// Applies, in time order, the ACKs and window cuts due by `now`.
  private mutating func acknowledge(upTo now: UInt64, rtt: UInt64) {
    while true {
      let cut = pendingCuts.first
      if let next = nextAcknowledgement, next <= now, next < cut?.time ?? .max {
        acknowledgementHead += 1
        if let active = recovery, next > active.start, next <= active.end {
          recovery?.delivered += 1
        }
        if usage.allowsGrowth(of: window) { window.acknowledged(at: next, rtt: rtt) }
      } else if let cut, cut.time <= now {
        pendingCuts.removeFirst()
        if cut.timeout { window.timedOut() } else { window.reduce() }
      } else {
        break
      }
    }
    if acknowledgementHead > 256 && acknowledgementHead * 2 > acknowledgements.count {
      acknowledgements.removeFirst(acknowledgementHead)
      acknowledgementHead = 0
    }
  }

  /// An ACK leaves the receiver to arrive at `time`: for its segment and those whose ACK was lost.
  private mutating func acknowledge(_ time: UInt64) {
    for _ in 0...awaitingNextAcknowledgement { insertAcknowledgement(time) }
    awaitingNextAcknowledgement = 0
  }

  private mutating func insertAcknowledgement(_ time: UInt64) {
    // Mostly in order (send times only grow); a retransmission may land a little earlier in the list.
    var index = acknowledgements.count
    while index > acknowledgementHead && acknowledgements[index - 1] > time { index -= 1 }
    acknowledgements.insert(time, at: index)
  }
}

/// How much of the congestion window a sender used lately: Linux grows the window only when it
/// limited the sender in the current or the last round trip, or, in slow start, while it is under
/// twice the most segments out at once (`tcp_is_cwnd_limited`).
struct WindowUsage {
  private var roundEnd: UInt64 = 0
  private var limitedThisRound = false
  private var limitedLastRound = false
  private var peakThisRound = 0
  private var peakLastRound = 0

  /// A segment left at `now` with `flight` segments out, itself included.
  mutating func record(flight: Int, limit: Int, at now: UInt64, rtt: UInt64) {
    if now >= roundEnd {
      limitedLastRound = limitedThisRound
      peakLastRound = peakThisRound
      limitedThisRound = false
      peakThisRound = 0
      roundEnd = now &+ rtt
    }
    peakThisRound = max(peakThisRound, flight)
    if flight >= limit { limitedThisRound = true }
  }

  func allowsGrowth(of window: CongestionWindow) -> Bool {
    if limitedThisRound || limitedLastRound { return true }
    return window.isInSlowStart
      && window.window < 2 * Double(max(peakThisRound, peakLastRound))
  }
}
