import Testing

@testable import FaultProxy

/// Linux's RTT estimator and timeout, by its own arithmetic (`tcp_rtt_estimator`, `tcp_set_rto`).
@Suite struct RoundTripEstimateTests {
  static let millisecond: UInt64 = 1_000_000
  static let rtt = 40 * millisecond

  /// An estimate that has seen `count` round trips of `rtt`, one segment per round trip.
  static func settled(count: Int = 30) -> (RoundTripEstimate, UInt64) {
    let estimate = RoundTripEstimate(minimumTimeout: 200 * millisecond)
    var time: UInt64 = 0
    for _ in 0..<count {
      time += 50 * millisecond
      estimate.sent(at: time)
      estimate.sample(rtt, sentAt: time)
    }
    return (estimate, time)
  }

  @Test func aSteadyPathGivesTheRoundTripPlusTheMinimum() {
    let fresh = RoundTripEstimate(minimumTimeout: 200 * Self.millisecond)
    #expect(fresh.timeout(path: Self.rtt) == 240 * Self.millisecond)
    let (estimate, _) = Self.settled()
    #expect(estimate.smoothedRTT(path: 0) == Self.rtt)
    #expect(estimate.timeout(path: 0) == 240 * Self.millisecond)
  }

  @Test func oneLateSampleLengthensTheTimeoutWhichThenComesBackDown() {
    let (estimate, settledAt) = Self.settled()
    var time = settledAt + 50 * Self.millisecond
    estimate.sent(at: time)
    // An ACK that waited for the answer's retransmission: 280 ms instead of 40.
    estimate.sample(280 * Self.millisecond, sentAt: time)
    // srtt 40 + 240/8 = 70 ms; the deviation jumps by the error, 240 ms: 310 ms.
    #expect(estimate.smoothedRTT(path: 0) == 70 * Self.millisecond)
    let lengthened = estimate.timeout(path: 0)
    #expect(lengthened > 305 * Self.millisecond && lengthened < 315 * Self.millisecond)
    var timeouts: [UInt64] = []
    for _ in 0..<40 {
      time += 50 * Self.millisecond
      estimate.sent(at: time)
      estimate.sample(Self.rtt, sentAt: time)
      timeouts.append(estimate.timeout(path: 0))
    }
    // Down a little on every round trip (srtt by an eighth of the gap, the variation by a quarter
    // of its excess), never below the round trip plus rto_min.
    #expect(zip(timeouts, timeouts.dropFirst()).allSatisfy { $0 >= $1 })
    #expect(timeouts[0] > 290 * Self.millisecond)
    #expect(timeouts[4] > 260 * Self.millisecond)
    #expect(timeouts.last! < 242 * Self.millisecond && timeouts.last! >= 240 * Self.millisecond)
  }

  @Test func lateSamplesInARowStackUp() {
    let (estimate, settledAt) = Self.settled()
    var time = settledAt
    for _ in 0..<2 {
      time += 50 * Self.millisecond
      estimate.sent(at: time)
      estimate.sample(280 * Self.millisecond, sentAt: time)
    }
    // The second error (210 ms against srtt 70) adds to three quarters of the first: the kernel's
    // long timeouts after a run of stalls.
    #expect(estimate.timeout(path: 0) > 450 * Self.millisecond)
  }
}
