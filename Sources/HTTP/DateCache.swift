import ServerCore

#if canImport(Glibc)
  import Glibc
#endif

/// The current time as the `Date` header and the access log want it, formatted once a second.
///
/// Formatting a date is the costliest thing in a small response; a per-loop cache makes it a
/// comparison of two integers for all the other requests in that second.
public final class DateCache {
  private var second = -1
  private var headerValue = ""
  private var logValue = ""

  public init() {}

  /// The current second since the epoch.
  public var now: Int { Int(time(nil)) }

  /// "Date: <IMF-fixdate>" value for now.
  public var httpDate: String {
    refresh()
    return headerValue
  }

  /// Access-log date for now.
  public var logDate: String {
    refresh()
    return logValue
  }

  private func refresh() {
    let current = now
    if current != second {
      second = current
      headerValue = HTTPDate.format(current)
      logValue = UTC(current).logFormat
    }
  }
}
