/// Base64 (RFC 4648): DNSKEY, RRSIG and ech values in DNS, credentials in HTTP Basic auth.
public enum Base64 {
  static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

  public static func encode(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    var i = 0
    while i < bytes.count {
      let chunk = Array(bytes[i..<min(i + 3, bytes.count)])
      let n = chunk.count
      let v = (UInt32(chunk[0]) << 16) | (n > 1 ? UInt32(chunk[1]) << 8 : 0) | (n > 2 ? UInt32(chunk[2]) : 0)
      out.append(alphabet[Int(v >> 18 & 63)])
      out.append(alphabet[Int(v >> 12 & 63)])
      out.append(n > 1 ? alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "="))
      out.append(n > 2 ? alphabet[Int(v & 63)] : UInt8(ascii: "="))
      i += 3
    }
    return String(decoding: out, as: UTF8.self)
  }

  public static func decode(_ text: String) -> [UInt8]? {
    var values: [UInt8] = []
    var padding = 0
    for c in text.utf8 {
      if c == UInt8(ascii: "=") {
        padding += 1
        continue
      }
      guard padding == 0, let index = alphabet.firstIndex(of: c) else { return nil }
      values.append(UInt8(index))
    }
    guard (values.count + padding) % 4 == 0, padding <= 2 else { return nil }
    var out: [UInt8] = []
    var i = 0
    while i < values.count {
      let group = Array(values[i..<min(i + 4, values.count)])
      let v = group.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (18 - 6 * UInt32($1.offset)) }
      out.append(UInt8(v >> 16 & 0xFF))
      if group.count > 2 { out.append(UInt8(v >> 8 & 0xFF)) }
      if group.count > 3 { out.append(UInt8(v & 0xFF)) }
      i += 4
    }
    return out
  }
}
