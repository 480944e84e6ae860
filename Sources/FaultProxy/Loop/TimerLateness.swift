/// How late a loop's precise timers ran their actions: the proxy's own share of a latency fault's
/// error, apart from how late the peers measuring it woke up.
public struct TimerLateness: Sendable, Equatable {
  /// Actions run.
  public var count: Int
  /// Lateness percentiles and worst case, in microseconds (1 µs resolution up to 2 ms).
  public var p50: Double
  public var p99: Double
  public var max: Double
}

/// Counts timer lateness per microsecond, on one loop. Loop-confined.
struct TimerLatenessRecorder {
  private static let buckets = 2_000
  private var counts = [UInt32](repeating: 0, count: buckets + 1)
  private(set) var count = 0
  private var worst: UInt64 = 0

  /// Records an action that ran `nanoseconds` after its deadline.
  mutating func record(_ nanoseconds: UInt64) {
    counts[Int(min(nanoseconds / 1_000, UInt64(Self.buckets)))] &+= 1
    count += 1
    worst = Swift.max(worst, nanoseconds)
  }

  mutating func reset() { self = TimerLatenessRecorder() }

  /// The percentiles over the recorders of every loop.
  static func summary(of recorders: [TimerLatenessRecorder]) -> TimerLateness {
    var merged = [UInt64](repeating: 0, count: buckets + 1)
    for recorder in recorders {
      for (index, value) in recorder.counts.enumerated() { merged[index] += UInt64(value) }
    }
    let total = recorders.reduce(0) { $0 + $1.count }
    let worst = Double(recorders.map(\.worst).max() ?? 0) / 1_000
    func percentile(_ fraction: Double) -> Double {
      guard total > 0 else { return 0 }
      let rank = UInt64((Double(total) * fraction).rounded(.up))
      var seen: UInt64 = 0
      for (index, value) in merged.enumerated() {
        seen += value
        if seen >= rank { return index == buckets ? worst : Double(index) }
      }
      return worst
    }
    return TimerLateness(count: total, p50: percentile(0.5), p99: percentile(0.99), max: worst)
  }
}
