import Glibc

/// Nanoseconds on CLOCK_MONOTONIC: the time base of every timer and timestamp in the data plane.
///
/// libuv's own clock is cached and counts whole milliseconds; faults need better than that.
public enum MonotonicClock {
  /// The current monotonic time in nanoseconds.
  @inline(__always)
  public static func now() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
  }
}

extension Duration {
  /// The duration in whole nanoseconds, clamped at zero.
  var nanoseconds: UInt64 {
    let (seconds, attoseconds) = components
    if seconds < 0 { return 0 }
    return UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
  }
}
