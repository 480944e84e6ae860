import Foundation
import Testing

@testable import FaultProxy

/// The Linux sender model on its own, with simulated time: recovery times and congestion control.
@Suite struct TCPSenderModelTests {
  /// Sends `segments` segments all ready at time 0 over a path of round trip `rtt`, each copy lost
  /// with probability `rate` (seeded), recovered as the loss stage recovers them; returns when the
  /// last one left the sender, in seconds.
  static func bulkSeconds(
    segments: Int, rate: Double, rtt: UInt64, congestion: LossFault.CongestionControl, seed: UInt64
  ) -> Double {
    typealias Lost = (sent: UInt64, deadline: UInt64, recovery: TCPSenderModel.Recovery)
    var sender = TCPSenderModel(congestion: congestion)
    var draws = SplitMix64(state: seed)
    let minimum: UInt64 = 200_000_000
    // Linux's timeout on a steady path: RTT + rto_min, fired on the next tick.
    let timeout = rtt + minimum + TCPSenderModel.tick
    var pending: [Lost] = []
    var last: UInt64 = 0
    /// Resends what a SACK sent at `laterSent`, or the timers due by `now`, recover.
    func settle(now: UInt64, laterSent: UInt64?) {
      pending = pending.map { lost in
        var time = lost.deadline
        var recovery = lost.recovery
        if let laterSent {
          let marked = TCPSenderModel.fastRetransmitTime(
            lostSent: lost.sent, laterSent: laterSent, rtt: rtt)
          if marked < time {
            time = marked
            recovery = .fastRetransmit
          }
        }
        guard time <= now || recovery == .fastRetransmit else { return lost }
        sender.resent(at: time, by: recovery, firstSent: lost.sent, rtt: rtt)
        if draws.next().unitInterval < rate { return (time, time + timeout, .timeout) }
        sender.retransmissionDelivered(at: time, rtt: rtt)
        last = max(last, time)
        return (0, 0, .fastRetransmit)
      }.filter { $0.deadline != 0 }
    }
    for _ in 0..<segments {
      let sent = sender.sendTime(arrival: 0, rtt: rtt)
      settle(now: sent, laterSent: nil)
      if draws.next().unitInterval < rate {
        let timer = sender.lost(sentAt: sent, rtt: rtt)
        pending.append((sent, timer.deadline, timer.recovery))
      } else {
        sender.delivered(sentAt: sent, rtt: rtt)
        settle(now: sent, laterSent: sent)
        last = max(last, sent)
      }
    }
    while !pending.isEmpty { settle(now: .max, laterSent: nil) }
    return Double(last) / 1e9
  }

  @Test func aLoneLostSegmentWaitsTheRetransmissionTimeout() {
    var sender = TCPSenderModel(congestion: .cubic)
    let rtt: UInt64 = 40_000_000
    let sent = sender.sendTime(arrival: 1_000_000_000, rtt: rtt)
    let timer = sender.lost(sentAt: sent, rtt: rtt)
    #expect(timer.recovery == .timeout)
    // RTT + rto_min, on the next 4 ms tick: 244 ms, as Linux measured at 40 ms RTT.
    #expect(timer.deadline - sent == 244_000_000)
    sender.resent(at: timer.deadline, by: timer.recovery, firstSent: sent, rtt: rtt)
    _ = sender.sendTime(arrival: timer.deadline, rtt: rtt)
    #expect(sender.window.limit == 1, "a timeout collapses the window to one segment")
  }

  @Test func aRecoveryWhoseClosingAckIsLostHoldsNewDataUntilTheTimeoutsCopyIsAcknowledged() {
    var sender = TCPSenderModel(congestion: .cubic)
    let rtt: UInt64 = 40_000_000
    for _ in 0..<10 {
      let sent = sender.sendTime(arrival: 0, rtt: rtt)
      sender.delivered(sentAt: sent, rtt: rtt)
    }
    sender.recoveryAcknowledgementLost(at: 1_000_000, until: 300_000_000, rtt: rtt)
    // The next segment would leave with the first ACK, at 40 ms; the lost ACK holds it until the
    // timeout's copy is acknowledged, a round trip after the timeout.
    #expect(sender.sendTime(arrival: 0, rtt: rtt) == 340_000_000)
    #expect(sender.sendTime(arrival: 0, rtt: rtt) == 340_000_000, "the window is kept (F-RTO)")
  }

  @Test func lossesOfOneFlightCutTheWindowOnceWhenTheRetransmissionLeaves() {
    var sender = TCPSenderModel(congestion: .cubic)
    let rtt: UInt64 = 100_000_000
    sender.resent(at: 125_000_000, by: .fastRetransmit, firstSent: 0, rtt: rtt)
    _ = sender.sendTime(arrival: 50_000_000, rtt: rtt)
    #expect(sender.window.limit == 10, "not cut before the retransmission leaves")
    _ = sender.sendTime(arrival: 125_000_000, rtt: rtt)
    #expect(sender.window.limit == 7, "CUBIC cuts to 0.7")
    // Sent before the cut: the same episode (Linux's high_seq), however late its SACK comes.
    sender.resent(at: 260_000_000, by: .fastRetransmit, firstSent: 1_000_000, rtt: rtt)
    _ = sender.sendTime(arrival: 260_000_000, rtt: rtt)
    #expect(sender.window.limit == 7)
    // Sent after the cut: a new episode.
    sender.resent(at: 400_000_000, by: .fastRetransmit, firstSent: 300_000_000, rtt: rtt)
    _ = sender.sendTime(arrival: 400_000_000, rtt: rtt)
    #expect(sender.window.limit == 4)
  }

  @Test func dataSentBeforeTheLostAckIsNotHeld() {
    var sender = TCPSenderModel(congestion: .cubic)
    sender.recoveryAcknowledgementLost(at: 100_000_000, until: 300_000_000, rtt: 40_000_000)
    #expect(sender.sendTime(arrival: 50_000_000, rtt: 40_000_000) == 50_000_000)
    #expect(sender.sendTime(arrival: 150_000_000, rtt: 40_000_000) == 340_000_000)
  }

  @Test func aLostSegmentWithOthersBehindItCostsAboutOneRoundTrip() {
    let rtt: UInt64 = 100_000_000
    let marked = TCPSenderModel.fastRetransmitTime(
      lostSent: 0, laterSent: 1_000_000, rtt: rtt)
    #expect(marked >= rtt && marked <= rtt + rtt / 4 + 1_000_000)
  }

  @Test(arguments: [LossFault.CongestionControl.cubic, .reno])
  func bulkThroughputFallsAsOneOverTheSquareRootOfTheLossRate(
    congestion: LossFault.CongestionControl
  ) {
    let rtt: UInt64 = 40_000_000
    func mean(_ rate: Double) -> Double {
      (1...5).map {
        Self.bulkSeconds(
          segments: 20_000, rate: rate, rtt: rtt, congestion: congestion, seed: UInt64($0))
      }.reduce(0, +) / 5
    }
    let slow = mean(0.04)
    let fast = mean(0.01)
    // Mathis: rate ∝ 1/√p, so four times the loss takes about twice as long.
    #expect((1.4...3.0).contains(slow / fast), "1 %: \(fast) s, 4 %: \(slow) s")
    // And near the Mathis limit MSS/RTT·1.22/√p: 20,000 segments at 1 % and 40 ms in about 66 s.
    let mathis = 20_000 * 0.04 / (1.22 / 0.1)
    #expect((0.4 * mathis...2.5 * mathis).contains(fast), "1 %: \(fast) s, Mathis \(mathis) s")
  }

  @Test func noCongestionControlNeverHoldsTheSender() {
    let none = Self.bulkSeconds(
      segments: 5_000, rate: 0.02, rtt: 40_000_000, congestion: .none, seed: 1)
    let cubic = Self.bulkSeconds(
      segments: 5_000, rate: 0.02, rtt: 40_000_000, congestion: .cubic, seed: 1)
    #expect(none < 2, "without a window only recoveries cost time: \(none) s")
    #expect(cubic > 2 * none)
  }

  @Test func cutsAreInWholeSegmentsAsLinuxMakesThem() {
    var window = CongestionWindow(control: .cubic)
    var limits: [Int] = []
    for _ in 0..<4 {
      window.reduce()
      limits.append(window.limit)
    }
    #expect(limits == [7, 4, 2, 2], "CUBIC's 717/1024 on whole segments")
  }

  @Test func anApplicationLimitedSenderKeepsTheWindowItsLossesCut() {
    let rtt: UInt64 = 100_000_000
    let gap: UInt64 = 50_000_000
    // A message every 50 ms on a 100 ms path: two out at a time, never ten.
    var messages = TCPSenderModel(congestion: .cubic)
    for index in UInt64(0)..<400 {
      messages.delivered(sentAt: messages.sendTime(arrival: index * gap, rtt: rtt), rtt: rtt)
    }
    #expect(messages.window.limit == 10, "not grown while unused")
    // Three losses, each in an episode of its own, bring it to two segments...
    for episode in UInt64(1)...3 {
      let time = 400 * gap + episode * 10 * rtt
      messages.resent(at: time, by: .fastRetransmit, firstSent: time - rtt, rtt: rtt)
      messages.delivered(sentAt: messages.sendTime(arrival: time, rtt: rtt), rtt: rtt)
    }
    #expect(messages.window.limit == 2)
    // ...where two messages in flight fill it: it grows only a little while they do.
    let resumed = 400 * gap + 40 * rtt
    for index in UInt64(0)..<20 {
      let sent = messages.sendTime(arrival: resumed + index * gap, rtt: rtt)
      messages.delivered(sentAt: sent, rtt: rtt)
    }
    #expect((2...4).contains(messages.window.limit), "\(messages.window.limit)")
    // A bulk sender fills its window and grows it.
    var bulk = TCPSenderModel(congestion: .cubic)
    for _ in 0..<100 { bulk.delivered(sentAt: bulk.sendTime(arrival: 0, rtt: rtt), rtt: rtt) }
    #expect(bulk.window.limit > 40, "slow start: \(bulk.window.limit)")
  }

  @Test func aLostAckHoldsTheWindowUntilTheNextAck() {
    let rtt: UInt64 = 100_000_000
    func third(firstAckLost: Bool) -> UInt64 {
      var sender = TCPSenderModel(congestion: .cubic)
      for episode in UInt64(1)...3 {
        sender.resent(
          at: episode * 1_000, by: .fastRetransmit, firstSent: episode * 1_000, rtt: 0)
      }
      let start: UInt64 = 1_000_000_000
      sender.delivered(
        sentAt: sender.sendTime(arrival: start, rtt: rtt), rtt: rtt,
        acknowledgementLost: firstAckLost)
      sender.delivered(sentAt: sender.sendTime(arrival: start + rtt / 2, rtt: rtt), rtt: rtt)
      #expect(sender.window.limit == 2)
      return sender.sendTime(arrival: start + rtt, rtt: rtt) - start
    }
    #expect(third(firstAckLost: false) == rtt, "the first ACK makes room as the third is written")
    #expect(third(firstAckLost: true) == rtt + rtt / 2, "the second ACK, 50 ms on, makes room")
  }

  @Test func aWindowFullOfSegmentsWhoseAcksWereLostWaitsForTheTailLossProbe() {
    let rtt: UInt64 = 100_000_000
    var sender = TCPSenderModel(congestion: .cubic)
    for episode in UInt64(1)...3 {
      sender.resent(
        at: episode * 1_000, by: .fastRetransmit, firstSent: episode * 1_000, rtt: 0)
    }
    let start: UInt64 = 1_000_000_000
    for offset in [0, rtt / 2] {
      let sent = sender.sendTime(arrival: start + offset, rtt: rtt)
      sender.delivered(sentAt: sent, rtt: rtt, acknowledgementLost: true)
    }
    #expect(sender.window.limit == 2)
    // Nothing will bring an ACK: the probe leaves 2·RTT and two ticks after the last segment, and
    // its ACK, a round trip later, frees the window.
    let probe = start + rtt / 2 + 2 * rtt + TCPSenderModel.probeMinimum
    #expect(sender.sendTime(arrival: start + rtt, rtt: rtt) == probe + rtt)
    #expect(sender.takeProbe() == probe)
    #expect(sender.takeProbe() == nil)
  }
}
