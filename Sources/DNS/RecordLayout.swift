import ServerCore

/// The RDATA of the many types that are a plain sequence of fields (numbers, names, strings,
/// hex or base64 to the end), described once and read, printed and parsed from that one table.
///
/// Types with irregular layouts (SOA, SVCB, LOC, CERT, IPSECKEY, ...) have their own code in
/// `RecordData`; these are the rest of what dig 9.18 prints by name.
enum RecordLayout {
  enum Field {
    case u8, u16, u32
    /// A domain name, written out uncompressed in canonical RDATA.
    case name
    /// One character-string (a length byte and up to 255 bytes), shown quoted.
    case string
    /// Character-strings to the end of the RDATA, at least one.
    case strings
    /// The rest as hex (dig's upper case, in words of 56 digits), or base64.
    case hex, base64
    /// A length byte and that many bytes in hex, "-" when empty (NSEC3's salt).
    case salt
    /// A length byte and that many bytes in base32hex (NSEC3's next hashed owner).
    case hash
    /// An NSEC-style type bitmap to the end.
    case bitmap
    /// The rest as one quoted string with no length byte (URI's target).
    case text
    case ipv4
    /// EUI-48 and EUI-64: bytes in lower-case hex joined by "-".
    case eui48, eui64
    /// 64 bits as four groups of four hex digits (NID, L64).
    case locator64
    /// The rest as "0x" and lower-case hex (NSAP, RFC 1706).
    case nsap
  }

  static let table: [UInt16: [Field]] = [
    // MD MF MB MG MR DNAME NSAP-PTR
    3: [.name], 4: [.name], 7: [.name], 8: [.name], 9: [.name], 39: [.name], 23: [.name],
    27: [.string, .string, .string], 22: [.nsap],  // GPOS NSAP
    14: [.name, .name], 17: [.name, .name], 58: [.name, .name],  // MINFO RP TALINK
    18: [.u16, .name], 21: [.u16, .name], 36: [.u16, .name], 107: [.u16, .name],  // AFSDB RT KX LP
    26: [.u16, .name, .name],  // PX
    19: [.string], 20: [.strings], 99: [.strings], 56: [.strings], 258: [.strings],  // X25 ISDN SPF NINFO AVC
    44: [.u8, .u8, .hex],  // SSHFP
    52: [.u8, .u8, .u8, .hex], 53: [.u8, .u8, .u8, .hex],  // TLSA SMIMEA
    59: [.u16, .u8, .u8, .hex], 32768: [.u16, .u8, .u8, .hex], 32769: [.u16, .u8, .u8, .hex],  // CDS TA DLV
    25: [.u16, .u8, .u8, .base64], 57: [.u16, .u8, .u8, .base64], 60: [.u16, .u8, .u8, .base64],  // KEY RKEY CDNSKEY
    49: [.base64], 61: [.base64],  // DHCID OPENPGPKEY
    62: [.u32, .u16, .bitmap],  // CSYNC
    63: [.u32, .u8, .u8, .hex],  // ZONEMD
    50: [.u8, .u8, .u16, .salt, .hash, .bitmap], 51: [.u8, .u8, .u16, .salt],  // NSEC3 NSEC3PARAM
    256: [.u16, .u16, .text],  // URI
    104: [.u16, .locator64], 105: [.u16, .ipv4], 106: [.u16, .locator64],  // NID L32 L64
    108: [.eui48], 109: [.eui64],
  ]

  // MARK: Wire → canonical

  /// Reads `fields` from `reader` up to `end` into canonical form (names uncompressed).
  static func read(_ fields: [Field], from reader: inout WireReader, end: Int) throws(DNSWireError) -> [UInt8] {
    var out = WireWriter(compress: false)
    let start = reader.offset
    func take(_ n: Int) throws(DNSWireError) {
      guard n >= 0, reader.offset + n <= end else { throw .badRecordData(type: 0, at: start) }
      out.append(try reader.take(n))
    }
    for field in fields {
      switch field {
      case .u8: try take(1)
      case .u16: try take(2)
      case .u32: try take(4)
      case .ipv4: try take(4)
      case .eui48: try take(6)
      case .eui64, .locator64: try take(8)
      case .name:
        let name = try reader.name()
        guard reader.offset <= end else { throw .badRecordData(type: 0, at: start) }
        out.name(name)
      case .string, .salt, .hash:
        guard reader.offset < end else { throw .badRecordData(type: 0, at: start) }
        try take(1 + Int(reader.bytes[reader.offset]))
      case .strings:
        guard reader.offset < end else { throw .badRecordData(type: 0, at: start) }
        while reader.offset < end { try take(1 + Int(reader.bytes[reader.offset])) }
      case .hex, .base64, .bitmap, .text, .nsap:
        try take(end - reader.offset)
      }
    }
    guard reader.offset == end else { throw .badRecordData(type: 0, at: start) }
    return out.bytes
  }

  // MARK: Canonical → presentation

  /// The fields as dig prints them.
  static func present(_ fields: [Field], _ d: [UInt8]) throws(DNSWireError) -> String {
    var r = WireReader(d)
    var words: [String] = []
    for field in fields {
      switch field {
      case .u8: words.append(String(try r.u8()))
      case .u16: words.append(String(try r.u16()))
      case .u32: words.append(String(try r.u32()))
      case .name: words.append(try r.name().description)
      case .string: words.append(RecordData.quoted(try r.take(Int(try r.u8()))))
      case .strings:
        while r.remaining > 0 { words.append(RecordData.quoted(try r.take(Int(try r.u8())))) }
      case .hex: words.append(RecordData.chunked(RecordData.hex(try r.take(r.remaining))))
      case .base64: words.append(RecordData.chunked(Base64.encode(try r.take(r.remaining))))
      case .salt:
        let salt = try r.take(Int(try r.u8()))
        words.append(salt.isEmpty ? "-" : RecordData.hex(salt))
      case .hash: words.append(Base32Hex.encode(try r.take(Int(try r.u8()))))
      case .bitmap: words += TypeBitmap.decode(try r.take(r.remaining)).map(\.description)
      case .text: words.append(RecordData.quoted(try r.take(r.remaining)))
      case .nsap: words.append("0x" + RecordData.hex(try r.take(r.remaining)).lowercased())
      case .ipv4: words.append(IPv4.format(try r.take(4)))
      case .eui48, .eui64:
        let bytes = try r.take(field == .eui48 ? 6 : 8)
        words.append(bytes.map { RecordData.hex([$0]).lowercased() }.joined(separator: "-"))
      case .locator64:
        let hex = RecordData.hex(try r.take(8)).lowercased()
        words.append(
          stride(from: 0, to: 16, by: 4).map { Array(hex)[$0..<$0 + 4] }.map { String($0) }.joined(separator: ":"))
      }
    }
    guard r.remaining == 0 else { throw .trailingBytes(count: r.remaining) }
    return words.joined(separator: " ")
  }

  // MARK: Presentation → canonical

  /// Parses the words of a zone file's RDATA.
  ///
  /// One piece: one short case per field kind, the inverse of `present`.
  static func parse(_ fields: [Field], _ tokens: inout ArraySlice<ZoneFileParser.Token>, origin: DNSName?)
    throws(RecordData.ParseError) -> [UInt8]
  {
    var w = WireWriter(compress: false)
    func fail(_ reason: String) -> RecordData.ParseError { RecordData.ParseError(reason: reason) }
    func next() throws(RecordData.ParseError) -> ZoneFileParser.Token {
      guard let token = tokens.popFirst() else { throw fail("missing data") }
      return token
    }
    func rest() -> String {
      defer { tokens.removeAll() }
      return tokens.map(\.text).joined()
    }
    func number<N: FixedWidthInteger>(_: N.Type) throws(RecordData.ParseError) -> N {
      let text = try next().text
      guard let n = N(text) else { throw fail("'\(text)' is not a number in range") }
      return n
    }
    func string(_ token: ZoneFileParser.Token) throws(RecordData.ParseError) -> [UInt8] {
      let bytes = token.quoted ? token.bytes : RecordData.unescape(token.bytes)
      guard bytes.count <= 255 else { throw fail("a character-string is longer than 255 bytes") }
      return [UInt8(bytes.count)] + bytes
    }
    for field in fields {
      switch field {
      case .u8: w.u8(try number(UInt8.self))
      case .u16: w.u16(try number(UInt16.self))
      case .u32: w.u32(try number(UInt32.self))
      case .name:
        let text = try next().text
        if origin == nil && !text.hasSuffix(".") { throw fail("name '\(text)' is relative, and no $ORIGIN is set") }
        do { w.name(try DNSName(parsing: text, origin: origin)) } catch { throw fail(error.reason) }
      case .string: w.append(try string(try next()))
      case .strings:
        guard !tokens.isEmpty else { throw fail("missing text") }
        while let token = tokens.popFirst() { w.append(try string(token)) }
      case .hex:
        guard let bytes = RecordData.hexBytes(rest()), !bytes.isEmpty else { throw fail("data is not hex") }
        w.append(bytes)
      case .base64:
        guard let bytes = Base64.decode(rest()), !bytes.isEmpty else { throw fail("data is not base64") }
        w.append(bytes)
      case .salt:
        let text = try next().text
        guard let salt = text == "-" ? [] : RecordData.hexBytes(text), salt.count <= 255 else {
          throw fail("salt is not hex")
        }
        w.u8(UInt8(salt.count))
        w.append(salt)
      case .hash:
        guard let hash = Base32Hex.decode(try next().text), hash.count <= 255 else {
          throw fail("hash is not base32hex")
        }
        w.u8(UInt8(hash.count))
        w.append(hash)
      case .bitmap:
        var types: [RecordType] = []
        while let token = tokens.popFirst() {
          guard let type = RecordType(name: token.text) else { throw fail("unknown type '\(token.text)'") }
          types.append(type)
        }
        w.append(TypeBitmap.encode(types))
      case .text:
        let token = try next()
        w.append(token.quoted ? token.bytes : RecordData.unescape(token.bytes))
      case .nsap:
        let text = rest().replacing(".", with: "")
        guard text.lowercased().hasPrefix("0x"), let bytes = RecordData.hexBytes(String(text.dropFirst(2))),
          !bytes.isEmpty
        else { throw fail("not an NSAP (0x and hex)") }
        w.append(bytes)
      case .ipv4:
        guard let bytes = IPv4.parse(try next().text) else { throw fail("not an IPv4 address") }
        w.append(bytes)
      case .eui48, .eui64:
        let groups = try next().text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.count == (field == .eui48 ? 6 : 8), groups.allSatisfy({ $0.count == 2 }),
          let bytes = RecordData.hexBytes(groups.joined())
        else { throw fail("not an EUI address (xx-xx-...)") }
        w.append(bytes)
      case .locator64:
        let groups = try next().text.split(separator: ":", omittingEmptySubsequences: false)
        guard groups.count == 4, groups.allSatisfy({ $0.count == 4 }), let bytes = RecordData.hexBytes(groups.joined())
        else { throw fail("not a 64-bit locator (xxxx:xxxx:xxxx:xxxx)") }
        w.append(bytes)
      }
    }
    return w.bytes
  }
}

/// Base32 with the extended hex alphabet (RFC 4648 §7), unpadded, as NSEC3 writes hashes.
enum Base32Hex {
  static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUV".utf8)

  static func encode(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    var buffer = 0
    var bits = 0
    for b in bytes {
      buffer = buffer << 8 | Int(b)
      bits += 8
      while bits >= 5 {
        out.append(alphabet[(buffer >> (bits - 5)) & 31])
        bits -= 5
      }
    }
    if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
    return String(decoding: out, as: UTF8.self)
  }

  static func decode(_ text: String) -> [UInt8]? {
    var out: [UInt8] = []
    var buffer = 0
    var bits = 0
    for c in text.uppercased().utf8 where c != UInt8(ascii: "=") {
      guard let value = alphabet.firstIndex(of: c) else { return nil }
      buffer = (buffer << 5 | value) & 0xFFFF
      bits += 5
      if bits >= 8 {
        out.append(UInt8((buffer >> (bits - 8)) & 0xFF))
        bits -= 8
      }
    }
    return out
  }
}
