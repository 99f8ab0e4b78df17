import ServerCore

#if canImport(Glibc)
  import Glibc
#endif

/// HTTP dates (RFC 9110 §5.6.7) and the access log's date, formatted by hand from `gmtime_r`.
///
/// Always UTC, always English names: a locale must never change what goes on the wire.
public enum HTTPDate {
  static let months = UTC.monthNames

  /// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  public static func format(_ seconds: Int) -> String {
    let t = UTC(seconds)
    return "\(UTC.dayNames[t.weekday]), \(UTC.two(t.day)) \(t.monthName) \(t.year) "
      + "\(UTC.two(t.hour)):\(UTC.two(t.minute)):\(UTC.two(t.second)) GMT"
  }

  /// Parses any of the three formats a recipient must accept: IMF-fixdate, RFC 850
  /// ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994").
  /// Returns seconds since the epoch, or nil for anything else (which callers then ignore).
  public static func parse(_ text: String) -> Int? {
    let parts = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
    let day: Int?
    let month: Int?
    var year: Int?
    let clock: String
    switch parts.count {
    case 6 where parts[5] == "GMT":  // Sun, 06 Nov 1994 08:49:37 GMT
      day = Int(parts[1])
      month = months.firstIndex(of: parts[2])
      year = parts[3].count == 4 ? Int(parts[3]) : nil
      clock = parts[4]
    case 4 where parts[3] == "GMT":  // Sunday, 06-Nov-94 08:49:37 GMT
      let dmy = parts[1].split(separator: "-").map(String.init)
      guard dmy.count == 3, dmy[2].count == 2 else { return nil }
      day = Int(dmy[0])
      month = months.firstIndex(of: dmy[1])
      // Two-digit years more than 50 years ahead are in the past (RFC 9110 §5.6.7).
      year = Int(dmy[2]).map { $0 + ($0 >= 70 ? 1900 : 2000) }
      clock = parts[2]
    case 5:  // Sun Nov  6 08:49:37 1994
      day = Int(parts[2])
      month = months.firstIndex(of: parts[1])
      year = parts[4].count == 4 ? Int(parts[4]) : nil
      clock = parts[3]
    default:
      return nil
    }
    let hms = clock.split(separator: ":").compactMap { Int($0) }
    guard let day, let month, let year, hms.count == 3, (1...31).contains(day),
      (0...23).contains(hms[0]), (0...59).contains(hms[1]), (0...60).contains(hms[2])
    else { return nil }
    var t = tm()
    t.tm_year = Int32(year - 1900)
    t.tm_mon = Int32(month)
    t.tm_mday = Int32(day)
    t.tm_hour = Int32(hms[0])
    t.tm_min = Int32(hms[1])
    t.tm_sec = Int32(hms[2])
    return Int(timegm(&t))
  }
}
