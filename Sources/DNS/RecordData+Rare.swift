import ServerCore

/// Old and rare types that dig still prints in their own form: WKS (RFC 1035 §3.4.2), APL
/// (RFC 3123), HIP (RFC 8005) and AMTRELAY (RFC 8777).
extension RecordData {
  static let wks = RecordType(11)
  static let apl = RecordType(42)
  static let hip = RecordType(55)
  static let amtrelay = RecordType(260)

  /// The presentation of these four, or nil for another type.
  static func presentRare(_ type: RecordType, _ d: [UInt8]) throws(DNSWireError) -> String? {
    var r = WireReader(d)
    switch type {
    case wks:
      let address = IPv4.format(try r.take(4))
      let proto = try r.u8()
      let bitmap = try r.take(r.remaining)
      var ports: [Int] = []
      for (i, byte) in bitmap.enumerated() {
        for bit in 0..<8 where byte & (0x80 >> UInt8(bit)) != 0 { ports.append(i * 8 + bit) }
      }
      return ([address, String(proto)] + ports.map { String($0) }).joined(separator: " ")
    case apl:
      var items: [String] = []
      while r.remaining > 0 {
        let family = try r.u16()
        let prefix = try r.u8()
        let flags = try r.u8()
        let part = try r.take(Int(flags & 0x7F))
        let size = family == 1 ? 4 : 16
        guard family == 1 || family == 2, part.count <= size else { throw .badRecordData(type: 42, at: r.offset) }
        let full = part + [UInt8](repeating: 0, count: size - part.count)
        let address = family == 1 ? IPv4.format(full) : IPv6.format(full)
        items.append("\(flags & 0x80 != 0 ? "!" : "")\(family):\(address)/\(prefix)")
      }
      return items.joined(separator: " ")
    case hip:
      let hitLength = Int(try r.u8())
      let algorithm = try r.u8()
      let keyLength = Int(try r.u16())
      let hit = hex(try r.take(hitLength))
      let key = Base64.encode(try r.take(keyLength))
      var servers: [String] = []
      while r.remaining > 0 { servers.append(try r.name().description) }
      return ([String(algorithm), hit, key] + servers).joined(separator: " ")
    case amtrelay:
      let precedence = try r.u8()
      let kind = try r.u8()
      let relay: String
      switch kind & 0x7F {
      case 0: relay = "."
      case 1: relay = IPv4.format(try r.take(4))
      case 2: relay = IPv6.format(try r.take(16))
      case 3: relay = try r.name().description
      default: throw .badRecordData(type: 260, at: 1)
      }
      return "\(precedence) \(kind & 0x80 != 0 ? 1 : 0) \(kind & 0x7F) \(relay)"
    default:
      return nil
    }
  }

  /// Zone-file RDATA of these four, or nil for another type.
  ///
  /// One piece: four short parsers, the inverse of `presentRare`, kept beside each other.
  static func parseRare(_ type: RecordType, _ t: inout ArraySlice<ZoneFileParser.Token>, origin: DNSName?)
    throws(ParseError) -> [UInt8]?
  {
    guard [wks, apl, hip, amtrelay].contains(type) else { return nil }
    var w = WireWriter(compress: false)
    let words = t.map(\.text)
    t.removeAll()
    func fail(_ what: String) -> ParseError { ParseError(reason: "not \(what)") }
    switch type {
    case wks:
      guard words.count >= 2, let address = IPv4.parse(words[0]) else { throw fail("WKS (ADDRESS PROTOCOL PORT...)") }
      let proto: UInt8? = ["tcp": 6, "udp": 17][words[1].lowercased()] ?? UInt8(words[1])
      guard let proto else { throw fail("a protocol") }
      var bitmap: [UInt8] = []
      for word in words.dropFirst(2) {
        guard let port = Int(word), (0...65535).contains(port) else { throw fail("a port number") }
        if bitmap.count <= port / 8 { bitmap += [UInt8](repeating: 0, count: port / 8 + 1 - bitmap.count) }
        bitmap[port / 8] |= 0x80 >> UInt8(port % 8)
      }
      w.append(address)
      w.u8(proto)
      w.append(bitmap)
    case apl:
      for word in words {
        let negated = word.hasPrefix("!")
        let parts = word.dropFirst(negated ? 1 : 0).split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let family = UInt16(parts[0]), family == 1 || family == 2 else {
          throw fail("an APL item")
        }
        let addressAndPrefix = parts[1].split(separator: "/")
        guard addressAndPrefix.count == 2, let prefix = UInt8(addressAndPrefix[1]),
          var address = family == 1 ? IPv4.parse(String(addressAndPrefix[0])) : IPv6.parse(String(addressAndPrefix[0]))
        else { throw fail("an APL address/prefix") }
        while address.last == 0 { address.removeLast() }  // RFC 3123 §4: trailing zeros left out
        w.u16(family)
        w.u8(prefix)
        w.u8(UInt8(address.count) | (negated ? 0x80 : 0))
        w.append(address)
      }
    case hip:
      guard words.count >= 3, let algorithm = UInt8(words[0]), let hit = hexBytes(words[1]),
        let key = Base64.decode(words[2]),
        hit.count <= 255, key.count <= 65535
      else { throw fail("HIP (ALGORITHM HIT KEY [SERVERS])") }
      w.u8(UInt8(hit.count))
      w.u8(algorithm)
      w.u16(UInt16(key.count))
      w.append(hit)
      w.append(key)
      for server in words.dropFirst(3) {
        do { w.name(try DNSName(parsing: server, origin: origin)) } catch { throw fail("a rendezvous server name") }
      }
    case amtrelay:
      guard words.count == 4, let precedence = UInt8(words[0]), let discovery = UInt8(words[1]), discovery <= 1,
        let kind = UInt8(words[2]), kind <= 3
      else { throw fail("AMTRELAY (PRECEDENCE D TYPE RELAY)") }
      w.u8(precedence)
      w.u8(kind | (discovery == 1 ? 0x80 : 0))
      switch kind {
      case 0: guard words[3] == "." else { throw fail("'.' for no relay") }
      case 1, 2:
        guard let address = kind == 1 ? IPv4.parse(words[3]) : IPv6.parse(words[3]) else { throw fail("an address") }
        w.append(address)
      default:
        do { w.name(try DNSName(parsing: words[3], origin: origin)) } catch { throw fail("a relay name") }
      }
    default:
      return nil
    }
    return w.bytes
  }
}
