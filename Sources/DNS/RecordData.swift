import ServerCore

#if canImport(Glibc)
  import Glibc
#endif

/// RDATA for each record type: read from the wire, shown as dig shows it, and parsed from a
/// zone file's presentation format.
///
/// Inside the program RDATA is kept in one canonical form, the wire form with every embedded
/// name written out uncompressed, so presentation and comparison never need the message a
/// record came from.
public enum RecordData {
  // MARK: Reading from a message

  /// Reads `length` bytes of RDATA for `type` at the reader's position, expanding any
  /// compressed names, and checks the layout the type requires.
  static func read(_ type: RecordType, length: Int, from reader: inout WireReader) throws(DNSWireError) -> [UInt8] {
    let start = reader.offset
    let end = start + length
    guard end <= reader.bytes.count else { throw .truncated(at: start) }
    var out = WireWriter(compress: false)
    func nameField() throws(DNSWireError) {
      let name = try reader.name()
      guard reader.offset <= end else { throw .badRecordData(type: type.rawValue, at: start) }
      out.name(name)
    }
    func fixed(_ n: Int) throws(DNSWireError) {
      guard reader.offset + n <= end else { throw .badRecordData(type: type.rawValue, at: start) }
      out.append(try reader.take(n))
    }
    switch type {
    case .ns, .cname, .ptr:
      try nameField()
    case .mx:
      try fixed(2)
      try nameField()
    case .soa:
      try nameField()
      try nameField()
      try fixed(20)
    case .srv:
      try fixed(6)
      try nameField()
    case .rrsig, .sig:
      try fixed(18)
      try nameField()
      try fixed(end - reader.offset)
    case .nsec:
      try nameField()
      try fixed(end - reader.offset)
    case .naptr:
      try fixed(4)
      for _ in 0..<3 {
        guard reader.offset < end else { throw .badRecordData(type: type.rawValue, at: start) }
        let n = Int(reader.bytes[reader.offset])
        try fixed(1 + n)
      }
      try nameField()
    case .svcb, .https:
      try fixed(2)
      try nameField()
      try fixed(end - reader.offset)
    case .ipseckey where length >= 3 && reader.bytes[start + 1] == 3:
      try fixed(3)
      try nameField()  // a gateway given by name
      try fixed(end - reader.offset)
    default:
      if let fields = RecordLayout.table[type.rawValue] {
        do { return try RecordLayout.read(fields, from: &reader, end: end) } catch {
          throw .badRecordData(type: type.rawValue, at: start)
        }
      }
      try fixed(length)
    }
    guard reader.offset == end else { throw .badRecordData(type: type.rawValue, at: start) }
    let rdata = out.bytes
    guard isWellFormed(type, rdata) else { throw .badRecordData(type: type.rawValue, at: start) }
    return rdata
  }

  /// Checks fixed sizes and inner lengths that `present` relies on.
  static func isWellFormed(_ type: RecordType, _ d: [UInt8]) -> Bool {
    switch type {
    case .a: return d.count == 4
    case .aaaa: return d.count == 16
    case .txt, .hinfo:
      var i = 0
      var strings = 0
      while i < d.count {
        i += 1 + Int(d[i])
        strings += 1
      }
      return i == d.count && (type == .txt ? strings >= 1 : strings == 2)
    case .caa: return d.count >= 2 && d.count >= 2 + Int(d[1]) && d[1] > 0
    case .ds: return d.count >= 4
    case .dnskey: return d.count >= 4
    case .svcb, .https:
      var r = WireReader(d)
      guard (try? r.u16()) != nil, (try? r.name()) != nil else { return false }
      while r.remaining > 0 {
        guard (try? r.u16()) != nil, let n = try? r.u16(), (try? r.take(Int(n))) != nil else { return false }
      }
      return true
    default: return true
    }
  }

  // MARK: Presentation (as dig prints it)

  /// The RDATA in presentation format, as dig prints it.
  public static func present(_ type: RecordType, _ d: [UInt8]) -> String {
    var r = WireReader(d)
    do {
      switch type {
      case .a: return IPv4.format(d)
      case .aaaa: return IPv6.format(d)
      case .ns, .cname, .ptr: return try r.name().description
      case .mx: return "\(try r.u16()) \(try r.name())"
      case .soa:
        let m = try r.name()
        let rn = try r.name()
        let numbers = try (0..<5).map { _ throws(DNSWireError) in String(try r.u32()) }
        return "\(m) \(rn) " + numbers.joined(separator: " ")
      case .txt, .hinfo:
        return characterStrings(d).map(quoted).joined(separator: " ")
      case .srv:
        return "\(try r.u16()) \(try r.u16()) \(try r.u16()) \(try r.name())"
      case .naptr:
        let order = try r.u16()
        let preference = try r.u16()
        var strings: [String] = []
        for _ in 0..<3 {
          let n = Int(try r.u8())
          strings.append(quoted(try r.take(n)))
        }
        return "\(order) \(preference) " + strings.joined(separator: " ") + " \(try r.name())"
      case .caa:
        let flags = try r.u8()
        let tag = try r.take(Int(try r.u8()))
        return "\(flags) \(String(decoding: tag, as: UTF8.self)) \(quoted(try r.take(r.remaining)))"
      case .ds:
        return "\(try r.u16()) \(try r.u8()) \(try r.u8()) \(chunked(hex(try r.take(r.remaining))))"
      case .dnskey:
        return "\(try r.u16()) \(try r.u8()) \(try r.u8()) \(chunked(Base64.encode(try r.take(r.remaining))))"
      case .rrsig, .sig:
        let covered = RecordType(try r.u16())
        let algorithm = try r.u8()
        let labels = try r.u8()
        let ttl = try r.u32()
        let expiration = ListingTime.format(Int(try r.u32()))
        let inception = ListingTime.format(Int(try r.u32()))
        let tag = try r.u16()
        let signer = try r.name()
        let signature = chunked(Base64.encode(try r.take(r.remaining)))
        return "\(covered) \(algorithm) \(labels) \(ttl) \(expiration) \(inception) \(tag) \(signer) \(signature)"
      case .nsec:
        let next = try r.name()
        let types = TypeBitmap.decode(try r.take(r.remaining)).map(\.description)
        return ([next.description] + types).joined(separator: " ")
      case .svcb, .https:
        return try presentSVCB(&r)
      case .loc: return try presentLOC(d)
      case .cert: return try presentCERT(&r)
      case .ipseckey: return try presentIPSECKEY(&r)
      default:
        if let rare = try presentRare(type, d) { return rare }
        guard let fields = RecordLayout.table[type.rawValue] else { return unknown(d) }
        return try RecordLayout.present(fields, d)
      }
    } catch {
      return unknown(d)
    }
  }

  /// RFC 3597 §5: `\# LENGTH HEX`.
  public static func unknown(_ d: [UInt8]) -> String {
    d.isEmpty ? "\\# 0" : "\\# \(d.count) \(chunked(hex(d)))"
  }

  static func characterStrings(_ d: [UInt8]) -> [[UInt8]] {
    var result: [[UInt8]] = []
    var i = 0
    while i < d.count {
      let n = Int(d[i])
      guard i + 1 + n <= d.count else { break }
      result.append(Array(d[(i + 1)..<(i + 1 + n)]))
      i += 1 + n
    }
    return result
  }

  /// A character-string in quotes: `"` and `\` escaped, other non-printables as \DDD.
  static func quoted(_ bytes: [UInt8]) -> String {
    var text = "\""
    for b in bytes {
      switch b {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"): text += "\\" + String(UnicodeScalar(b))
      case 0x20...0x7E: text.unicodeScalars.append(UnicodeScalar(b))
      default: text += "\\" + String(format3: Int(b))
      }
    }
    return text + "\""
  }

  static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789ABCDEF")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
  }

  /// dig breaks long hex and base64 into words of 56 characters.
  static func chunked(_ text: String) -> String {
    var words: [Substring] = []
    var rest = Substring(text)
    while !rest.isEmpty {
      words.append(rest.prefix(56))
      rest = rest.dropFirst(56)
    }
    return words.joined(separator: " ")
  }

  // MARK: SVCB and HTTPS (RFC 9460)

  static let svcKeys: [UInt16: String] = [
    0: "mandatory", 1: "alpn", 2: "no-default-alpn", 3: "port", 4: "ipv4hint", 5: "ech", 6: "ipv6hint",
  ]

  static func presentSVCB(_ r: inout WireReader) throws(DNSWireError) -> String {
    var parts = ["\(try r.u16())", try r.name().description]
    while r.remaining > 0 {
      let key = try r.u16()
      let value = try r.take(Int(try r.u16()))
      let name = svcKeys[key] ?? "key\(key)"
      var v = WireReader(value)
      // Values of the wrong size make the whole record unreadable: it is shown as \# LEN HEX.
      let sizeOK: Bool
      switch key {
      case 0: sizeOK = !value.isEmpty && value.count % 2 == 0
      case 2: sizeOK = value.isEmpty
      case 3: sizeOK = value.count == 2
      case 4: sizeOK = !value.isEmpty && value.count % 4 == 0
      case 6: sizeOK = !value.isEmpty && value.count % 16 == 0
      default: sizeOK = true
      }
      guard sizeOK else { throw .badRecordData(type: 64, at: r.offset) }
      switch key {
      case 0:
        let keys = try (0..<value.count / 2).map { _ throws(DNSWireError) in
          let k = try v.u16()
          return svcKeys[k] ?? "key\(k)"
        }
        parts.append("mandatory=" + keys.joined(separator: ","))
      case 1:
        let ids = characterStrings(value).map { id in
          String(decoding: id, as: UTF8.self).replacing(",", with: "\\\\,")
        }
        parts.append("alpn=\"" + ids.joined(separator: ",") + "\"")
      case 2: parts.append(name)
      case 3: parts.append("port=\(try v.u16())")
      case 4:
        parts.append(
          "ipv4hint="
            + stride(from: 0, to: value.count, by: 4).map { IPv4.format(value[$0..<$0 + 4]) }.joined(separator: ","))
      case 6:
        parts.append(
          "ipv6hint="
            + stride(from: 0, to: value.count, by: 16).map { IPv6.format(value[$0..<$0 + 16]) }.joined(separator: ","))
      case 5: parts.append("ech=" + Base64.encode(value))
      default: parts.append(value.isEmpty ? name : "\(name)=\(quoted(value))")
      }
    }
    return parts.joined(separator: " ")
  }
}

/// RRSIG's time format: YYYYMMDDHHMMSS in UTC (RFC 4034 §3.2).
enum ListingTime {
  static func format(_ seconds: Int) -> String {
    let t = UTC(seconds)
    return "\(t.year)" + [t.month, t.day, t.hour, t.minute, t.second].map(UTC.two).joined()
  }

  static func parse(_ text: String) -> UInt32? {
    if text.count != 14 { return UInt32(text) }
    let digits = Array(text.utf8).map { Int($0) - 48 }
    guard digits.allSatisfy({ (0...9).contains($0) }) else { return nil }
    func n(_ a: Int, _ b: Int) -> Int { digits[a..<b].reduce(0) { $0 * 10 + $1 } }
    var t = tm()
    t.tm_year = Int32(n(0, 4) - 1900)
    t.tm_mon = Int32(n(4, 6) - 1)
    t.tm_mday = Int32(n(6, 8))
    t.tm_hour = Int32(n(8, 10))
    t.tm_min = Int32(n(10, 12))
    t.tm_sec = Int32(n(12, 14))
    return UInt32(truncatingIfNeeded: timegm(&t))
  }
}

/// NSEC's type bitmap (RFC 4034 §4.1.2): windows of 256 types, one bit each.
enum TypeBitmap {
  static func decode(_ d: [UInt8]) -> [RecordType] {
    var types: [RecordType] = []
    var i = 0
    while i + 2 <= d.count {
      let window = Int(d[i])
      let length = Int(d[i + 1])
      guard length >= 1, length <= 32, i + 2 + length <= d.count else { break }
      for byte in 0..<length {
        for bit in 0..<8 where d[i + 2 + byte] & (0x80 >> UInt8(bit)) != 0 {
          types.append(RecordType(UInt16(window * 256 + byte * 8 + bit)))
        }
      }
      i += 2 + length
    }
    return types
  }

  static func encode(_ types: [RecordType]) -> [UInt8] {
    var windows: [Int: [UInt8]] = [:]
    for t in types {
      let window = Int(t.rawValue >> 8)
      let low = Int(t.rawValue & 0xFF)
      var bits = windows[window] ?? []
      if bits.count <= low / 8 { bits += [UInt8](repeating: 0, count: low / 8 + 1 - bits.count) }
      bits[low / 8] |= 0x80 >> UInt8(low % 8)
      windows[window] = bits
    }
    return windows.keys.sorted().flatMap { [UInt8($0), UInt8(windows[$0]!.count)] + windows[$0]! }
  }
}
