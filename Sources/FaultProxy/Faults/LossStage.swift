/// Loses segments of the stream, as a lossy link would, in one of two ways.
///
/// `retransmit` (default) is what a TCP application sees: a model of the Linux sender
/// (`TCPSenderModel`) sends each packet when its congestion window allows and recovers a lost one by
/// fast retransmit, tail loss probe or retransmission timeout, depending on what is in flight behind
/// it; everything behind a lost packet waits for it. The path's round trip is the configured latency
/// of both directions plus a floor for the real path. Nothing is removed from the stream.
/// `discard` removes the segment's bytes from the stream, corrupting it on purpose.
/// In `discard` mode decisions are keyed to the stream's segments (byte offset / segment size), so the
/// same seed removes the same bytes however the reads were split. In `retransmit` mode each packet (a read
/// cut at the segment size) gets its own draw, as each small message is its own packet on the wire; the
/// bytes delivered are the same whatever the draws. ACKs are lost at the rate of the loss faults on the
/// opposite direction, drawn from a generator of their own (so the data's draws stay what they were);
/// see `TCPSenderModel` for where a lost ACK shows.
final class LossStage: QueuedStage {
  /// The real path's own round trip under the configured latency (loopback or a LAN), in nanoseconds.
  static let realPathRTT: UInt64 = 100_000

  private enum Held {
    /// `riders`: data written after it that joined its segment while it waited (see `OpenSegment`).
    case ready(Chunk, release: UInt64, riders: [Chunk] = [])
    case lost(Chunk, LostPacket)
    case end(StreamEnd)
  }

  private struct LostPacket {
    /// When its first copy left: the stall is counted from there.
    let firstSent: UInt64
    /// When its latest (lost) copy left.
    let sent: UInt64
    var deadline: UInt64
    var recovery: TCPSenderModel.Recovery
    /// The retransmission timeout in force, doubled by each timeout.
    let timeout: UInt64
    let attempts: Int
    /// Data written after it that joined its segment before it first left.
    var riders: [Chunk] = []
    /// The other direction's segment whose ACK rode on it: that ACK comes when it is resent.
    var carried: RoundTripEstimate.Unacknowledged?
  }

  /// The last segment sent, while it may still take more bytes: the sender's TCP appends a write to
  /// the last segment of its queue as long as that segment has not left (it waits for the window)
  /// and has room, so small messages queued behind a small window leave together, in one segment,
  /// with one fate.
  private struct OpenSegment {
    let sent: UInt64
    var bytes: Int
    let lost: Bool
  }

  private let loss: LossFault
  private var decider: LossDecider
  private var generator: SplitMix64
  private var acknowledgementGenerator: SplitMix64
  private let cursor: SegmentCursor
  private var currentSegment: UInt64 = .max
  private var currentLost = false
  private var sender: TCPSenderModel
  /// The other direction's sender's estimate: this direction's data carries its ACKs.
  private let otherEstimate: RoundTripEstimate
  /// Packets behind a lost one that is not recovered yet; the first is always `.lost`.
  private var held: [Held] = []
  private var openSegment: OpenSegment?
  private var timer: StageClock.Token?
  private var timerDeadline: UInt64 = .max

  init(context: StageContext, loss: LossFault) {
    self.loss = loss
    decider = LossDecider(loss)
    generator = context.key.derived("loss").generator()
    acknowledgementGenerator = context.key.derived("loss-ack").generator()
    cursor = SegmentCursor(segmentSize: loss.segmentSize)
    let minimum = loss.retransmissionTimeout.nanoseconds
    sender = TCPSenderModel(
      congestion: loss.congestion, minimumTimeout: minimum,
      estimate: context.host.roundTripEstimate(of: context.direction, minimumTimeout: minimum))
    otherEstimate = context.host.roundTripEstimate(
      of: context.direction == .upstream ? .downstream : .upstream, minimumTimeout: minimum)
    super.init(context: context)
  }

  override func receive(_ chunk: Chunk) {
    switch loss.mode {
    case .discard:
      cursor.forEachPiece(of: chunk) { piece, segment in
        if segment != currentSegment {
          currentSegment = segment
          currentLost = decider.isLost(draw: generator.next())
          if currentLost {
            context.log(
              "drop", bytes: loss.segmentSize, offset: piece.streamOffset, arrival: piece.arrival)
          }
        }
        if currentLost {
          context.discarded(piece.count)
        } else {
          queue.enqueue(piece, at: 0)
        }
      }
    case .retransmit:
      let rtt = pathRTT()
      let now = context.clock.now
      let acknowledgementLoss = acknowledgementLossRate()
      chunk.forEachPacket(ofSize: loss.segmentSize) { packet in
        send(
          packet, at: max(packet.arrival, now), rtt: rtt, acknowledgementLoss: acknowledgementLoss)
      }
      drain()
    }
  }

  private func send(_ packet: Chunk, at arrival: UInt64, rtt: UInt64, acknowledgementLoss: Double) {
    if join(packet, arrivingAt: arrival) { return }
    let sent = sender.sendTime(arrival: arrival, rtt: rtt)
    // A tail loss probe that the full window waited for: its SACK marks what was lost before it.
    if let probe = sender.takeProbe() { markLost(bySackOf: probe, rtt: rtt, windowFull: true) }
    let lost = decider.isLost(draw: generator.next())
    openSegment = sent > arrival ? OpenSegment(sent: sent, bytes: packet.count, lost: lost) : nil
    let carried = carriedAcknowledgement(sentAt: sent)
    if lost {
      let timeout = sender.retransmissionTimeout(rtt: rtt)
      let (timer, recovery) = sender.lost(sentAt: sent, rtt: rtt)
      let deadline = timerFires(after: sent, timeout: timer &- sent)
      held.append(
        .lost(
          packet,
          LostPacket(
            firstSent: sent, sent: sent, deadline: deadline, recovery: recovery,
            timeout: timeout, attempts: 0, carried: carried))
      )
      armTimer()
      return
    }
    let acknowledgementLost =
      acknowledgementLoss > 0 && acknowledgementGenerator.next().unitInterval < acknowledgementLoss
    sender.delivered(sentAt: sent, rtt: rtt, acknowledgementLost: acknowledgementLost)
    // Its SACK marks every earlier lost packet whose timer would fire later; if the SACK is lost,
    // the tail loss probe that then resends this packet brings one.
    if acknowledgementLost {
      markLost(byProbeAfter: sent, rtt: rtt)
    } else {
      markLost(bySackOf: sent, rtt: rtt, windowFull: sent > arrival)
    }
    if held.isEmpty {
      var restamped = packet
      restamped.arrival = sent
      queue.enqueue(restamped, at: sent)
    } else {
      held.append(.ready(packet, release: sent))
    }
  }

  /// The other direction's delivered segment whose ACK a packet leaving at `sent` carries: one that
  /// reached this end before it, within the receiver's delayed-ACK time (else a pure ACK went).
  private func carriedAcknowledgement(sentAt sent: UInt64) -> RoundTripEstimate.Unacknowledged? {
    guard let waiting = otherEstimate.unacknowledged,
      waiting.arrives <= sent &+ Self.arrivalTolerance
    else { return nil }
    otherEstimate.unacknowledged = nil
    return sent < waiting.arrives &+ Self.delayedAcknowledgement ? waiting : nil
  }

  /// Linux's delayed-ACK time (`TCP_DELACK_MIN`): an answer sent within it carries the ACK.
  static let delayedAcknowledgement: UInt64 = 40_000_000
  /// How much earlier than modelled the other direction's data may reach the far end (timers and
  /// the real path's share of the round trip are not exact).
  static let arrivalTolerance: UInt64 = 1_000_000

  /// The SACK of a segment sent at `laterSent` marks every earlier lost packet whose timer would
  /// fire later.
  private func markLost(bySackOf laterSent: UInt64, rtt: UInt64, windowFull: Bool) {
    for index in held.indices {
      guard case .lost(let lostPacket, let lost) = held[index] else { continue }
      let marked = TCPSenderModel.fastRetransmitTime(
        lostSent: lost.sent, laterSent: laterSent, rtt: rtt)
      if marked < lost.deadline {
        held[index] = recover(
          lostPacket, lost, at: marked, by: .fastRetransmit, rtt: rtt, windowFull: windowFull)
      }
    }
  }

  /// A packet sent at `sent` got through but its SACK was lost: unless a later SACK comes first, the
  /// tail loss probe resends it a probe timeout later and the probe's SACK marks the earlier lost
  /// packets (on a short path that is much sooner than the next message's SACK).
  private func markLost(byProbeAfter sent: UInt64, rtt: UInt64) {
    let marked =
      sent &+ sender.probeTimeout(rtt: rtt, margin: TCPSenderModel.probeMinimum) &+ rtt
    for index in held.indices {
      guard case .lost(let packet, var lost) = held[index], marked < lost.deadline else { continue }
      lost.deadline = marked
      lost.recovery = .fastRetransmit
      held[index] = .lost(packet, lost)
    }
    armTimer()
  }

  /// Adds `packet` to the last segment when that segment has not left yet and has room for it.
  private func join(_ packet: Chunk, arrivingAt arrival: UInt64) -> Bool {
    guard var open = openSegment, open.sent > arrival,
      open.bytes + packet.count <= loss.segmentSize
    else {
      openSegment = nil
      return false
    }
    var rider = packet
    rider.arrival = open.sent
    if open.lost {
      // The lost segment is the last one sent, so the last held (and not yet recovered: it had not
      // even left).
      guard case .lost(let first, var lost) = held.last else {
        openSegment = nil
        return false
      }
      lost.riders.append(rider)
      held[held.count - 1] = .lost(first, lost)
    } else if held.isEmpty {
      queue.enqueue(rider, at: open.sent)
    } else {
      held.append(.ready(rider, release: open.sent))
    }
    open.bytes += packet.count
    openSegment = open
    return true
  }

  /// Resends a lost packet at `time`: it gets through (its stall is logged) or is lost again and
  /// waits for the next recovery. When the ACK of a fast retransmission that got through is lost:
  /// with `windowFull` (the marking packet had to wait for the window: a bulk sender) nothing new
  /// leaves until the timeout's copy is acknowledged; a sender that waits for its application holds
  /// new data in the recovery until another ACK comes or, with none, the same.
  private func recover(
    _ packet: Chunk, _ lost: LostPacket, at time: UInt64, by recovery: TCPSenderModel.Recovery,
    rtt: UInt64, windowFull: Bool = false
  ) -> Held {
    sender.resent(at: time, by: recovery, firstSent: lost.firstSent, rtt: rtt)
    let acknowledgementLoss = acknowledgementLossRate()
    if lost.attempts < 15 && decider.isLost(draw: generator.next()) {
      // A lone packet's first resend is Linux's tail loss probe (due when the timeout would be):
      // when the probe is lost, the timeout follows one timeout later, not doubled; only the
      // timeouts after it back off (kernel, request/response at 5 %/20 ms: 1,317 probes to 151
      // timeouts, and two losses of one request cost about 490 ms, not 730).
      let probed = recovery == .timeout && lost.attempts == 0
      let timeout = recovery == .timeout && !probed ? lost.timeout &* 2 : lost.timeout
      let deadline = timerFires(after: time, timeout: timeout)
      // What waits behind it waits for the timeout's copy to be acknowledged (whether the copy
      // itself gets through is drawn when it is resent).
      sender.retransmissionLost(
        at: time, until: lastTimeoutCopy(after: deadline, timeout: timeout, firstCopyDrawn: true),
        rtt: rtt)
      return .lost(
        packet,
        LostPacket(
          firstSent: lost.firstSent, sent: time, deadline: deadline, recovery: .timeout,
          timeout: timeout, attempts: lost.attempts + 1, riders: lost.riders,
          carried: lost.carried))
    }
    if let carried = lost.carried {
      deliverLateAcknowledgement(of: carried, resentAt: time, rtt: rtt)
    }
    if recovery == .fastRetransmit && !windowFull && acknowledgementLoss > 0
      && acknowledgementGenerator.next().unitInterval < acknowledgementLoss
    {
      let timeout = sender.retransmissionTimeout(rtt: rtt)
      sender.retransmissionDelivered(
        at: time, rtt: rtt,
        acknowledgementLostUntil: lastTimeoutCopy(
          after: timerFires(after: time, timeout: timeout), timeout: timeout))
    } else {
      sender.retransmissionDelivered(at: time, rtt: rtt)
    }
    // Not chained through `lastTimeoutCopy`: the kernel's bulk transfers had almost no
    // spurious timeouts (9 in 2,775 fast recoveries at 0 ms, none in 545 at 20 ms), so this rule
    // already fires more often than Linux's (docs/profiles.md, where the model departs).
    if windowFull && acknowledgementLoss > 0
      && generator.next().unitInterval < acknowledgementLoss
    {
      let timeout = sender.retransmissionTimeout(rtt: rtt)
      sender.recoveryAcknowledgementLost(
        at: time, until: timerFires(after: time, timeout: timeout), rtt: rtt)
    }
    // A tail loss probe that got through brings a SACK: it marks what was lost before it.
    if recovery == .tailLossProbe { markLost(bySackOf: time, rtt: rtt, windowFull: false) }
    context.log(
      "stall", bytes: lost.riders.reduce(packet.count) { $0 + $1.count },
      offset: packet.streamOffset,
      value: Double(time &- lost.firstSent) / 1_000_000, arrival: packet.arrival)
    return .ready(packet, release: time, riders: lost.riders)
  }

  /// The ACK that rode on a lost packet arrives with its copy resent at `time`: the other sender
  /// takes the whole wait as a round-trip sample, unless its own timeout (on its own tick) resent
  /// its segment first and that copy reached this end before `time`: the ACK then echoes the copy's
  /// timestamp (and Karn's rule bars the original). With equal timeouts the two timers race, as
  /// the kernel's do; a sender whose timeout a late sample already lengthened loses the race and
  /// takes the next late sample too.
  private func deliverLateAcknowledgement(
    of carried: RoundTripEstimate.Unacknowledged, resentAt time: UInt64, rtt: UInt64
  ) {
    let ownTimer = timerFires(after: carried.sent, timeout: carried.timeout)
    guard ownTimer &+ rtt / 2 >= time else { return }
    otherEstimate.sample(time &+ rtt / 2 &- carried.sent, sentAt: carried.sent)
  }

  /// When the timeout's copy that is acknowledged is resent, the first copy going at `deadline`
  /// with nothing else out (a timeout leaves a window of one): when a copy or its ACK is lost, no
  /// other ACK comes, and the next timeout, doubled, resends it (spurious or not). The kernel's
  /// message streams at 5 % showed such chains after a recovery: waits of 600, 790 and 1,490 ms.
  /// Drawn from the ACKs' generator, and only while ACKs are lost, so the data's draws stay what
  /// they were (a copy's own loss still goes through the loss model, as every packet's does). With
  /// `firstCopyDrawn` the first copy's own fate is drawn when it is resent, and only its ACK's
  /// here. At most six backoffs, 64 times the timeout.
  private func lastTimeoutCopy(
    after deadline: UInt64, timeout: UInt64, firstCopyDrawn: Bool = false
  ) -> UInt64 {
    let acknowledgementLoss = acknowledgementLossRate()
    guard acknowledgementLoss > 0 else { return deadline }
    var deadline = deadline
    var timeout = timeout
    for backoff in 0..<6 {
      let copyLost =
        (backoff > 0 || !firstCopyDrawn) && decider.isLost(draw: acknowledgementGenerator.next())
      guard copyLost || acknowledgementGenerator.next().unitInterval < acknowledgementLoss else {
        break
      }
      timeout = timeout &* 2
      deadline = Self.timerFires(
        after: deadline, timeout: timeout, draw: acknowledgementGenerator.next().unitInterval)
    }
    return deadline
  }

  /// When a timer armed at `time` for `timeout` fires: up to one 4 ms tick past it, by where in its
  /// tick it was armed; the kernel's timer wheel puts a timer of 64 ticks or more in 8-tick (32 ms)
  /// slots, of 512 or more in 64-tick slots. (With `timeout` RTT + rto_min + a tick, the kernel's
  /// lone timeouts at 0 and 20 ms fell 4 to 8 ms past RTT + 200 ms, at 50 ms 4 to 36 ms past it.)
  private func timerFires(after time: UInt64, timeout: UInt64) -> UInt64 {
    Self.timerFires(after: time, timeout: timeout, draw: generator.next().unitInterval)
  }

  private static func timerFires(after time: UInt64, timeout: UInt64, draw: Double) -> UInt64 {
    let tick = Double(TCPSenderModel.tick)
    let ticks = Double(timeout) / tick
    let granularity = ticks >= 512 ? 64.0 : ticks >= 64 ? 8.0 : 1.0
    return time &+ timeout &+ UInt64(draw * granularity * tick)
  }

  /// Hands everything up to the next unrecovered packet to the queue, stamped with its send time so
  /// that a latency stage after this one counts from there.
  private func drain() {
    var index = 0
    while index < held.count {
      switch held[index] {
      case .ready(let chunk, let release, let riders):
        for var piece in CollectionOfOne(chunk) + riders {
          piece.arrival = release
          queue.enqueue(piece, at: release)
        }
      case .end(let end):
        queue.enqueueEnd(end, at: 0)
      case .lost:
        held.removeFirst(index)
        armTimer()
        return
      }
      index += 1
    }
    held.removeAll(keepingCapacity: true)
    cancelOwnTimer()
  }

  private func armTimer() {
    var earliest = UInt64.max
    for item in held {
      if case .lost(_, let lost) = item { earliest = min(earliest, lost.deadline) }
    }
    guard earliest != timerDeadline else { return }
    cancelOwnTimer()
    guard earliest != .max else { return }
    timerDeadline = earliest
    timer = context.clock.schedule(at: earliest) { [weak self] in self?.timerFired() }
  }

  private func timerFired() {
    timer = nil
    timerDeadline = .max
    let now = context.clock.now
    let rtt = pathRTT()
    for index in held.indices {
      guard case .lost(let packet, let lost) = held[index], lost.deadline <= now else { continue }
      held[index] = recover(packet, lost, at: lost.deadline, by: lost.recovery, rtt: rtt)
    }
    drain()
  }

  private func cancelOwnTimer() {
    if let timer { context.clock.cancel(timer) }
    timer = nil
    timerDeadline = .max
  }

  /// The configured latency of both directions (as the faults stand now) plus the real path's.
  private func pathRTT() -> UInt64 {
    Self.realPathRTT &+ context.host.configuredLatency()
  }

  /// The share of this direction's ACKs lost: the loss faults on the opposite direction.
  private func acknowledgementLossRate() -> Double {
    context.host.lossRate(on: context.direction == .upstream ? .downstream : .upstream)
  }

  override func receiveEnd(_ end: StreamEnd) {
    if held.isEmpty { queue.enqueueEnd(end, at: 0) } else { held.append(.end(end)) }
  }

  override func flush() {
    cancelOwnTimer()
    for item in held {
      switch item {
      case .ready(let chunk, _, let riders):
        for piece in CollectionOfOne(chunk) + riders { queue.enqueue(piece, at: 0) }
      case .lost(let chunk, let lost):
        for piece in CollectionOfOne(chunk) + lost.riders { queue.enqueue(piece, at: 0) }
      case .end(let end): queue.enqueueEnd(end, at: 0)
      }
    }
    held.removeAll()
    super.flush()
  }

  override func detach() {
    cancelOwnTimer()
    super.detach()
  }
}
