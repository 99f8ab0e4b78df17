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
  /// Returns nil if zlib fails, which leaves the caller to send the identity form.
  public static func gzip(_ input: [UInt8], level: Int32 = 6) -> [UInt8]? {
    var stream = z_stream()
    // windowBits 15 + 16 selects the gzip wrapper instead of zlib's.
    guard barenet_deflateInit2(&stream, level, 15 + 16) == Z_OK else { return nil }
    defer { deflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
    let status = input.withUnsafeBytes { inRaw in
      output.withUnsafeMutableBytes { outRaw in
        stream.next_in = UnsafeMutablePointer(mutating: inRaw.bindMemory(to: Bytef.self).baseAddress)
        stream.avail_in = uInt(inRaw.count)
        stream.next_out = outRaw.bindMemory(to: Bytef.self).baseAddress
        stream.avail_out = uInt(outRaw.count)
        return deflate(&stream, Z_FINISH)
      }
    }
    guard status == Z_STREAM_END else { return nil }
    output.removeLast(output.count - Int(stream.total_out))
    return output
  }
}
