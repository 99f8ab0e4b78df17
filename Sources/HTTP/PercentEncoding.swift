/// Percent-encoding (RFC 3986 §2.1) and HTML escaping, for paths in and links out.
public enum PercentEncoding {
  /// Decodes %XX escapes. Returns nil for a malformed escape ("%zz", "%4").
  public static func decode(_ text: Substring) -> [UInt8]? {
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count)
    var it = text.utf8.makeIterator()
    while let b = it.next() {
      if b == UInt8(ascii: "%") {
        guard let h = it.next().flatMap(hexValue), let l = it.next().flatMap(hexValue) else { return nil }
        out.append(UInt8(h * 16 + l))
      } else {
        out.append(b)
      }
    }
    return out
  }

  /// Encodes a path segment for use in a URL: unreserved characters and a few safe
  /// sub-delimiters stay, everything else (including UTF-8 bytes) becomes %XX.
  public static func encodeSegment(_ text: String) -> String {
    var out = ""
    for b in text.utf8 {
      switch b {
      case 48...57, 65...90, 97...122, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
        UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "'"), UInt8(ascii: "("),
        UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: "="),
        UInt8(ascii: ":"), UInt8(ascii: "@"):
        out.unicodeScalars.append(Unicode.Scalar(b))
      default:
        let digits = Array("0123456789ABCDEF".utf8)
        out.unicodeScalars.append("%")
        out.unicodeScalars.append(Unicode.Scalar(digits[Int(b >> 4)]))
        out.unicodeScalars.append(Unicode.Scalar(digits[Int(b & 15)]))
      }
    }
    return out
  }

  /// Escapes text for HTML content and attribute values.
  public static func html(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for c in text.unicodeScalars {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.unicodeScalars.append(c)
      }
    }
    return out
  }
}
