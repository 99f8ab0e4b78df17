/// TYPE A's line-ending conversion (RFC 959 §3.1.1.1): the wire uses CRLF, files use LF.
///
/// Both directions keep one byte of state, so a CR LF split across two chunks converts
/// exactly as if it had arrived in one.
public struct ASCIIConversion: Sendable {
  private var lastWasCR = false

  public init() {}

  /// File → wire: each LF not already preceded by CR becomes CR LF.
  public mutating func toNetwork(_ bytes: some Sequence<UInt8>) -> [UInt8] {
    var out: [UInt8] = []
    for b in bytes {
      if b == 0x0A && !lastWasCR { out.append(0x0D) }
      out.append(b)
      lastWasCR = b == 0x0D
    }
    return out
  }

  /// Wire → file: CR LF becomes LF; a lone CR is kept.
  public mutating func fromNetwork(_ bytes: some Sequence<UInt8>) -> [UInt8] {
    var out: [UInt8] = []
    for b in bytes {
      if lastWasCR {
        if b != 0x0A { out.append(0x0D) }
        lastWasCR = false
      }
      if b == 0x0D {
        lastWasCR = true
      } else {
        out.append(b)
      }
    }
    return out
  }

  /// A CR held back at the end of the upload (it was not followed by LF).
  public mutating func finishFromNetwork() -> [UInt8] {
    defer { lastWasCR = false }
    return lastWasCR ? [0x0D] : []
  }
}
