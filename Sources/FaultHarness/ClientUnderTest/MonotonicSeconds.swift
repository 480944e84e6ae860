#if canImport(Glibc)
  import Glibc
#endif

/// CLOCK_MONOTONIC, the clock every process on the machine shares: the mock's event lines carry it,
/// so what the server saw and what the harness saw land on one time line.
enum MonotonicTime {
  /// Nanoseconds of CLOCK_MONOTONIC now.
  static func nanoseconds() -> Int {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return time.tv_sec * 1_000_000_000 + time.tv_nsec
  }
}
