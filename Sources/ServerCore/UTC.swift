#if canImport(Glibc)
  import Glibc
#endif

/// Calendar fields of a moment in UTC, and the log's date format, computed with `gmtime_r`.
///
/// Always UTC, always English month names: a locale must never change what goes on the wire
/// or into a log.
public struct UTC: Sendable {
  public let year: Int
  /// 1–12.
  public let month: Int
  public let day: Int
  public let hour: Int
  public let minute: Int
  public let second: Int
  /// 0 = Sunday.
  public let weekday: Int

  public static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
  public static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]

  /// The fields of `seconds` since the epoch.
  public init(_ seconds: Int) {
    var t = time_t(seconds)
    var fields = tm()
    gmtime_r(&t, &fields)
    year = Int(fields.tm_year) + 1900
    month = Int(fields.tm_mon) + 1
    day = Int(fields.tm_mday)
    hour = Int(fields.tm_hour)
    minute = Int(fields.tm_min)
    second = Int(fields.tm_sec)
    weekday = Int(fields.tm_wday)
  }

  /// "Nov".
  public var monthName: String { Self.monthNames[month - 1] }

  /// The Common Log Format's date, used by both servers' logs: "25/Nov/2026:08:12:13 +0000".
  public var logFormat: String {
    "\(Self.two(day))/\(monthName)/\(year):\(Self.two(hour)):\(Self.two(minute)):\(Self.two(second)) +0000"
  }

  /// "2026-11-25 08:12".
  public var shortFormat: String {
    "\(year)-\(Self.two(month))-\(Self.two(day)) \(Self.two(hour)):\(Self.two(minute))"
  }

  /// RFC 3339 (an ISO 8601 profile), for machine-read listings: "2026-11-25T08:12:13Z".
  public var rfc3339: String {
    "\(year)-\(Self.two(month))-\(Self.two(day))T\(Self.two(hour)):\(Self.two(minute)):\(Self.two(second))Z"
  }

  /// Two digits, zero-padded.
  public static func two(_ n: Int) -> String {
    n < 10 ? "0\(n)" : "\(n)"
  }
}
