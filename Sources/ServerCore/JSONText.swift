/// JSON text for the machine-readable outputs (HTTP listings as JSON, `barenet dns +json`),
/// written directly: one escaper for every module.
public enum JSONText {
  /// A JSON string literal (RFC 8259 §7): quotes, backslashes and control characters escaped.
  public static func string(_ text: String) -> String {
    var out = "\""
    for c in text.unicodeScalars {
      switch c {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if c.value < 0x20 {
          let hex = String(c.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(c)
        }
      }
    }
    return out + "\""
  }
}
