import ServerCore

/// Presentation format → canonical RDATA, for zone files (the inverse of `RecordData.present`).
extension RecordData {
  /// Why an RDATA could not be parsed.
  public struct ParseError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
  }

  ///
  /// One piece: one short case per record type, the table of RDATA presentation formats; splitting it would scatter that table.
  static func parse(_ type: RecordType, _ tokens: [ZoneFileParser.Token], origin: DNSName?) throws(ParseError)
    -> [UInt8]
  {
    var t = tokens[...]
    var w = WireWriter(compress: false)
    func fail(_ reason: String) -> ParseError { ParseError(reason: reason) }
    func next(_ what: String) throws(ParseError) -> ZoneFileParser.Token {
      guard let token = t.popFirst() else { throw fail("missing \(what)") }
      return token
    }
    func name(_ what: String) throws(ParseError) -> DNSName {
      let token = try next(what)
      if origin == nil && !token.text.hasSuffix(".") {
        throw fail("\(what) '\(token.text)' is relative, and no $ORIGIN is set")
      }
      do { return try DNSName(parsing: token.text, origin: origin) } catch { throw fail("\(what): \(error.reason)") }
    }
    func number<N: FixedWidthInteger>(_ what: String, _: N.Type) throws(ParseError) -> N {
      let token = try next(what)
      guard let n = N(token.text) else { throw fail("\(what) '\(token.text)' is not a number in range") }
      return n
    }
    func characterString(_ token: ZoneFileParser.Token) throws(ParseError) -> [UInt8] {
      let bytes = token.quoted ? token.bytes : unescape(token.bytes)
      guard bytes.count <= 255 else { throw fail("a character-string is longer than 255 bytes") }
      return [UInt8(bytes.count)] + bytes
    }
    /// The remaining words joined (hex and base64 may be split by spaces); consumes them.
    func rest() -> String {
      defer { t.removeAll() }
      return t.map(\.text).joined()
    }

    // RFC 3597: any type may be written as \# LENGTH HEX.
    if let first = t.first, first.text == "\\#", !first.quoted {
      t.removeFirst()
      let length: Int = try number("length", Int.self)
      guard let data = hexBytes(rest()), data.count == length, length <= 65535 else {
        throw fail("\\# data does not match its length")
      }
      return data
    }
    switch type {
    case .a:
      guard let bytes = IPv4.parse(try next("address").text) else { throw fail("not an IPv4 address") }
      w.append(bytes)
    case .aaaa:
      guard let bytes = IPv6.parse(try next("address").text) else { throw fail("not an IPv6 address") }
      w.append(bytes)
    case .ns, .cname, .ptr:
      w.name(try name("target"))
    case .mx:
      w.u16(try number("preference", UInt16.self))
      w.name(try name("exchange"))
    case .soa:
      w.name(try name("primary server"))
      w.name(try name("mailbox"))
      for field in ["serial", "refresh", "retry", "expire", "minimum"] {
        let token = try next(field)
        guard let v = field == "serial" ? UInt32(token.text) : ZoneFileParser.ttl(token.text) else {
          throw fail("\(field) '\(token.text)' is not a number")
        }
        w.u32(v)
      }
    case .txt, .hinfo:
      guard !t.isEmpty else { throw fail("missing text") }
      while let token = t.popFirst() { w.append(try characterString(token)) }
    case .srv:
      w.u16(try number("priority", UInt16.self))
      w.u16(try number("weight", UInt16.self))
      w.u16(try number("port", UInt16.self))
      w.name(try name("target"))
    case .naptr:
      w.u16(try number("order", UInt16.self))
      w.u16(try number("preference", UInt16.self))
      for field in ["flags", "services", "regexp"] { w.append(try characterString(try next(field))) }
      w.name(try name("replacement"))
    case .caa:
      w.u8(try number("flags", UInt8.self))
      let tag = Array(try next("tag").text.utf8)
      guard !tag.isEmpty, tag.count <= 255 else { throw fail("bad tag") }
      w.u8(UInt8(tag.count))
      w.append(tag)
      let value = try next("value")
      w.append(value.quoted ? value.bytes : unescape(value.bytes))
    case .ds:
      w.u16(try number("key tag", UInt16.self))
      w.u8(try number("algorithm", UInt8.self))
      w.u8(try number("digest type", UInt8.self))
      guard let digest = hexBytes(rest()), !digest.isEmpty else { throw fail("digest is not hex") }
      w.append(digest)
    case .dnskey:
      w.u16(try number("flags", UInt16.self))
      w.u8(try number("protocol", UInt8.self))
      w.u8(try number("algorithm", UInt8.self))
      guard let key = Base64.decode(rest()), !key.isEmpty else { throw fail("key is not base64") }
      w.append(key)
    case .rrsig, .sig:
      guard let covered = RecordType(name: try next("type covered").text) else { throw fail("unknown type covered") }
      w.u16(covered.rawValue)
      w.u8(try number("algorithm", UInt8.self))
      w.u8(try number("labels", UInt8.self))
      w.u32(try number("original TTL", UInt32.self))
      for field in ["expiration", "inception"] {
        guard let time = ListingTime.parse(try next(field).text) else { throw fail("bad \(field) time") }
        w.u32(time)
      }
      w.u16(try number("key tag", UInt16.self))
      w.name(try name("signer"))
      guard let signature = Base64.decode(rest()), !signature.isEmpty else { throw fail("signature is not base64") }
      w.append(signature)
    case .nsec:
      w.name(try name("next name"))
      var types: [RecordType] = []
      while let token = t.popFirst() {
        guard let type = RecordType(name: token.text) else { throw fail("unknown type '\(token.text)'") }
        types.append(type)
      }
      w.append(TypeBitmap.encode(types))
    case .svcb, .https:
      w.u16(try number("priority", UInt16.self))
      w.name(try name("target"))
      var params: [(UInt16, [UInt8])] = []
      while var token = t.popFirst() {
        // key="quoted value" arrives as two tokens: "key=" and the quoted string.
        if token.text.hasSuffix("="), let value = t.first, value.quoted {
          t.removeFirst()
          token.text += value.text
        }
        params.append(try svcParam(token))
      }
      for (key, value) in params.sorted(by: { $0.0 < $1.0 }) {
        guard value.count <= 65535 else { throw fail("a SvcParam value is longer than 65535 bytes") }
        w.u16(key)
        w.u16(UInt16(value.count))
        w.append(value)
      }
    case .loc: w.append(try parseLOC(&t))
    case .cert: w.append(try parseCERT(&t))
    case .ipseckey: w.append(try parseIPSECKEY(&t, origin: origin))
    default:
      if let rare = try parseRare(type, &t, origin: origin) {
        w.append(rare)
        break
      }
      guard let fields = RecordLayout.table[type.rawValue] else {
        throw fail("write this type as \\# LENGTH HEX (RFC 3597)")
      }
      w.append(try RecordLayout.parse(fields, &t, origin: origin))
    }
    guard t.isEmpty else { throw fail("unexpected '\(t.first!.text)'") }
    guard w.bytes.count <= 65535 else { throw fail("the data is longer than 65535 bytes") }
    return w.bytes
  }

  /// One SvcParam "key=value" (the value may have been a quoted token glued to "key=").
  static func svcParam(_ token: ZoneFileParser.Token) throws(ParseError) -> (UInt16, [UInt8]) {
    let text = token.text
    let keyText = String(text.prefix { $0 != "=" })
    var value = text.contains("=") ? String(text.drop { $0 != "=" }.dropFirst()) : ""
    if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 {
      value = String(value.dropFirst().dropLast())
    }
    let key: UInt16
    if let known = svcKeys.first(where: { $0.value == keyText.lowercased() })?.key {
      key = known
    } else if keyText.lowercased().hasPrefix("key"), let n = UInt16(keyText.dropFirst(3)) {
      key = n
    } else {
      throw ParseError(reason: "unknown SvcParam '\(keyText)'")
    }
    var w = WireWriter(compress: false)
    switch key {
    case 0:
      for name in value.split(separator: ",") {
        guard let k = svcKeys.first(where: { $0.value == name.lowercased() })?.key ?? UInt16(name.dropFirst(3)) else {
          throw ParseError(reason: "unknown key in mandatory")
        }
        w.u16(k)
      }
    case 1:
      for id in value.split(separator: ",") {
        guard id.utf8.count <= 255 else { throw ParseError(reason: "an alpn id is longer than 255 bytes") }
        w.u8(UInt8(id.utf8.count))
        w.append(Array(id.utf8))
      }
    case 2:
      break
    case 3:
      guard let port = UInt16(value) else { throw ParseError(reason: "port is not a number") }
      w.u16(port)
    case 4:
      for a in value.split(separator: ",") {
        guard let bytes = IPv4.parse(String(a)) else { throw ParseError(reason: "bad ipv4hint") }
        w.append(bytes)
      }
    case 6:
      for a in value.split(separator: ",") {
        guard let bytes = IPv6.parse(String(a)) else { throw ParseError(reason: "bad ipv6hint") }
        w.append(bytes)
      }
    case 5:
      guard let bytes = Base64.decode(value) else { throw ParseError(reason: "ech is not base64") }
      w.append(bytes)
    default:
      w.append(Array(value.utf8))
    }
    return (key, w.bytes)
  }

  static func hexBytes(_ text: String) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    var i = 0
    while i < digits.count {
      guard let h = hexDigit(digits[i]), let l = hexDigit(digits[i + 1]) else { return nil }
      out.append(UInt8(h << 4 | l))
      i += 2
    }
    return out
  }

  static func hexDigit(_ b: UInt8) -> Int? {
    switch b {
    case 48...57: Int(b - 48)
    case 65...70: Int(b - 55)
    case 97...102: Int(b - 87)
    default: nil
    }
  }

  /// Resolves \X and \DDD in an unquoted word.
  static func unescape(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var i = 0
    while i < bytes.count {
      if bytes[i] == UInt8(ascii: "\\") && i + 1 < bytes.count {
        if i + 3 < bytes.count, bytes[(i + 1)...(i + 3)].allSatisfy({ $0 >= 48 && $0 <= 57 }) {
          out.append(UInt8(truncatingIfNeeded: bytes[(i + 1)...(i + 3)].reduce(0) { $0 * 10 + Int($1 - 48) }))
          i += 4
        } else {
          out.append(bytes[i + 1])
          i += 2
        }
      } else {
        out.append(bytes[i])
        i += 1
      }
    }
    return out
  }
}
