import CZlib

/// Content negotiation for gzip (RFC 9110 §12.5.3) and compression through zlib.
public enum ContentCoding {
  /// Whether an Accept-Encoding value accepts gzip: "gzip" or "x-gzip" with q > 0, or "*" with
  /// q > 0 when gzip is not named. "gzip;q=0" means not acceptable.
  public static func acceptsGzip(_ header: String?) -> Bool {
    guard let header else { return false }
    var star: Bool?
    for (coding, q) in QualityValues.parse(header) {
      switch coding {
      case "gzip", "x-gzip": return q > 0
      case "*": star = q > 0
      default: break
      }
    }
    return star ?? false
  }

  /// Compresses `input` into the gzip format (RFC 1952) at the given zlib level.
  /// Returns nil if zlib cannot start, which leaves the caller to send the identity form.
  public static func gzip(_ input: [UInt8], level: Int32 = 6) -> [UInt8]? {
    GzipStream(level: level)?.compress(input, finish: true)
  }
}
