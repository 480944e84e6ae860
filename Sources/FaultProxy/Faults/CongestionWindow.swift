import Foundation

/// A TCP sender's congestion window in segments, grown and cut as Linux does it.
///
/// Slow start from an initial window of 10 (RFC 6928) up to the slow-start threshold, then CUBIC
/// (RFC 9438: the window follows `C·(t−K)³ + W_max` from the last cut, never below the Reno-friendly
/// estimate, cut to 0.7 with fast convergence) or Reno (one segment per round trip, halved). A
/// retransmission timeout drops the window to one segment. `none` never limits the sender.
struct CongestionWindow {
  private static let initialWindow = 10.0
  private static let cubicC = 0.4
  private static let cubicBeta = 0.7

  let control: LossFault.CongestionControl
  private(set) var window = initialWindow
  private var threshold = Double.infinity
  private var lastMaximum = 0.0
  private var epochStart: UInt64?
  private var epochOrigin = 0.0
  private var epochK = 0.0
  private var renoEstimate = 0.0

  init(control: LossFault.CongestionControl) {
    self.control = control
  }

  /// Below the slow-start threshold: the window doubles each round trip it is used.
  var isInSlowStart: Bool { window < threshold }

  /// How many segments may be in flight.
  var limit: Int {
    control == .none ? .max : max(1, Int(window))
  }

  /// One segment acknowledged at `now` on a path of round trip `rtt` (nanoseconds).
  mutating func acknowledged(at now: UInt64, rtt: UInt64) {
    guard control != .none else { return }
    if window < threshold {
      window += 1
      return
    }
    switch control {
    case .reno, .none:
      window += 1 / window
    case .cubic:
      if epochStart == nil {
        epochStart = now
        if window < lastMaximum {
          epochK = cbrt((lastMaximum - window) / Self.cubicC)
          epochOrigin = lastMaximum
        } else {
          epochK = 0
          epochOrigin = window
        }
        renoEstimate = window
      }
      let elapsed = Double(now &- (epochStart ?? now) &+ rtt) / 1e9
      let cubic = epochOrigin + Self.cubicC * pow(elapsed - epochK, 3)
      renoEstimate += 3 * (1 - Self.cubicBeta) / (1 + Self.cubicBeta) / window
      let target = max(cubic, renoEstimate)
      // At most one segment per two ACKed (Linux's `cnt` of at least 2): 1.5x per round trip.
      window += target > window ? min(0.5, (target - window) / window) : 0.01 / window
    }
  }

  /// A loss found by fast retransmit or a tail loss probe: multiplicative decrease, once per episode.
  mutating func reduce() {
    guard control != .none else { return }
    // Linux keeps the window in whole segments (the fraction grown is a separate count, dropped
    // here) and cuts it in integer arithmetic: 10, 7, 4, 2 with CUBIC's 717/1024.
    let whole = window.rounded(.down)
    switch control {
    case .reno, .none:
      window = max(2, (whole / 2).rounded(.down))
    case .cubic:
      // Fast convergence: a window cut below the previous maximum releases bandwidth sooner.
      lastMaximum = whole < lastMaximum ? whole * (1 + Self.cubicBeta) / 2 : whole
      window = max(2, (whole * Self.cubicBeta).rounded(.down))
      epochStart = nil
    }
    threshold = window
  }

  /// A retransmission timeout: the threshold as for a loss, the window back to one segment.
  mutating func timedOut() {
    guard control != .none else { return }
    reduce()
    window = 1
  }
}
