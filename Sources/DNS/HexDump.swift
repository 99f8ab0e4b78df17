/// `+hex`: an annotated hex dump of the query and the answer.
public enum HexDump {
  public static func annotated(_ e: Exchange) -> String {
    dump("query sent", e.queryBytes) + dump("answer received", e.responseBytes) + "\n"
  }

  static func dump(_ title: String, _ bytes: [UInt8]) -> String {
    var out = ";; HEX: \(title), \(bytes.count) bytes\n"
    for part in MessageLayout.parts(bytes) {
      out += ";; \(part.title): \(part.summary)\n"
      var offset = part.range.lowerBound
      while offset < part.range.upperBound {
        let end = min(offset + 16, part.range.upperBound)
        let row = bytes[offset..<end]
        let hex = row.map { String(format2hex: $0) }.joined(separator: " ")
        let text = String(row.map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "." })
        out += ";;   \(String(format4hex: UInt16(offset)))  \(hex.padding(47))  \(text)\n"
        offset = end
      }
    }
    return out
  }
}

extension String {
  init(format2hex b: UInt8) {
    let digits = Array("0123456789abcdef")
    self = String([digits[Int(b >> 4)], digits[Int(b & 15)]])
  }

  init(format4hex v: UInt16) {
    self = String(format2hex: UInt8(v >> 8)) + String(format2hex: UInt8(v & 0xFF))
  }

  func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
