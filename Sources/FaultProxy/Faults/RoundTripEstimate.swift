/// One direction's sender's view of the round trip, as Linux keeps it: the smoothed RTT and its
/// variation (`tcp_rtt_estimator`), and the retransmission timeout they give (`srtt + rttvar`, with
/// `rttvar` at least `rto_min`).
///
/// Its samples are the round trips of the sender's ACKs, and an ACK that rides on the other
/// direction's data comes only when that data does: when the answer carrying a request's ACK is
/// lost, the request's sample is the answer's whole recovery, and for a few round trips the
/// sender's timeout is longer (the kernel's request/response stalls soon after another stall are,
/// by 50 ms and more at 5 % loss). So a connection's two loss stages share their directions'
/// estimates: the other direction's stage delivers that late sample. Loop-confined.
final class RoundTripEstimate {
  /// A segment that got through and whose ACK the receiver has not sent yet: the next data the
  /// other direction sends carries it.
  struct Unacknowledged {
    /// When it left the sender.
    let sent: UInt64
    /// When it reaches the receiver.
    let arrives: UInt64
    /// The sender's timeout when it left: if that fires before the late ACK's carrier is resent,
    /// the sender's own spurious retransmission is what the receiver echoes, and no late sample
    /// is taken (Karn's rule, and TCP timestamps echo the newer copy).
    let timeout: UInt64
  }

  /// `rto_min`.
  let minimumTimeout: UInt64
  /// Eight times the smoothed RTT, as Linux keeps it (0: no sample yet).
  private var smoothed8: Int64 = 0
  /// Four times the mean deviation.
  private var deviation4: Int64 = 0
  /// The largest `deviation4` of the current round trip, at least `rto_min`.
  private var deviationMaximum: Int64 = 0
  /// The variation the timeout adds to the smoothed RTT: follows `deviationMaximum` up at once and
  /// down by a quarter of the difference per round trip.
  private var variation: Int64 = 0
  /// Segments sent after this time end the current round trip when acknowledged (`rtt_seq`).
  private var roundMark: UInt64 = 0
  /// The latest segment sent, for the next round's mark.
  private var lastSent: UInt64 = 0
  /// The latest delivered segment whose ACK is not known to have left.
  var unacknowledged: Unacknowledged?

  init(minimumTimeout: UInt64) {
    self.minimumTimeout = minimumTimeout
  }

  /// The smoothed RTT; `path` (the path's round trip) before any sample.
  func smoothedRTT(path: UInt64) -> UInt64 {
    smoothed8 == 0 ? path : UInt64(smoothed8 >> 3)
  }

  /// `srtt + rttvar`; `path + rto_min` before any sample.
  func timeout(path: UInt64) -> UInt64 {
    smoothed8 == 0 ? path &+ minimumTimeout : UInt64((smoothed8 >> 3) + variation)
  }

  /// A segment left at `time`.
  func sent(at time: UInt64) {
    lastSent = max(lastSent, time)
  }

  /// The ACK of a segment sent at `sent` came `sample` after it left.
  func sample(_ sample: UInt64, sentAt sent: UInt64) {
    var m = Int64(clamping: sample)
    let floor = Int64(minimumTimeout)
    guard smoothed8 != 0 else {
      smoothed8 = max(1, m << 3)
      deviation4 = m << 1
      variation = max(deviation4, floor)
      deviationMaximum = variation
      roundMark = lastSent
      return
    }
    m -= smoothed8 >> 3
    smoothed8 = max(1, smoothed8 + m)
    if m < 0 {
      // A sample below the estimate moves the deviation an eighth as much (Linux: so that a
      // sudden fall of the RTT does not lengthen the timeout).
      m = -m - (deviation4 >> 2)
      if m > 0 { m >>= 3 }
    } else {
      m -= deviation4 >> 2
    }
    deviation4 += m
    if deviation4 > deviationMaximum {
      deviationMaximum = deviation4
      variation = max(variation, deviationMaximum)
    }
    if sent > roundMark {
      if deviationMaximum < variation { variation -= (variation - deviationMaximum) >> 2 }
      roundMark = lastSent
      deviationMaximum = floor
    }
  }
}

/// A connection's two round-trip estimates, made when a loss stage first asks for one.
struct RoundTripEstimates {
  private var upstream: RoundTripEstimate?
  private var downstream: RoundTripEstimate?

  mutating func estimate(of direction: Direction, minimumTimeout: UInt64) -> RoundTripEstimate {
    switch direction {
    case .upstream:
      if let upstream { return upstream }
      let made = RoundTripEstimate(minimumTimeout: minimumTimeout)
      upstream = made
      return made
    case .downstream:
      if let downstream { return downstream }
      let made = RoundTripEstimate(minimumTimeout: minimumTimeout)
      downstream = made
      return made
    }
  }
}
