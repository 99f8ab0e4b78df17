import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// Monotonic milliseconds, for deadlines that must not jump when the wall clock is set.
public enum MonotonicClock {
  /// Milliseconds since an arbitrary fixed point (`CLOCK_MONOTONIC`).
  public static func milliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
  }

  /// Microseconds on the same clock, for traces.
  public static func microseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
  }
}
