/// Who may transfer zones: `--allow-transfer ADDR[/PREFIX]`, as NSD's `provide-xfr`.
public struct AddressPrefix: Sendable, Equatable, CustomStringConvertible {
  let bytes: [UInt8]
  let length: Int

  /// Parses "192.0.2.0/24", "127.0.0.1" (a /32), "::1" or "2001:db8::/32"; nil when it is none.
  public init?(_ text: String) {
    let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    guard let bytes = IPv4.parse(parts[0]) ?? IPv6.parse(parts[0]) else { return nil }
    let length = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
    guard let length, (0...bytes.count * 8).contains(length) else { return nil }
    self.bytes = bytes
    self.length = length
  }

  /// Whether `address` (text, as the socket layer reports it) lies in this prefix. An IPv4
  /// client reaching a `::` listener appears as ::ffff:a.b.c.d and matches its IPv4 prefix.
  public func contains(_ address: String) -> Bool {
    guard var candidate = IPv4.parse(address) ?? IPv6.parse(address) else { return false }
    if candidate.count == 16 && bytes.count == 4 && candidate.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] {
      candidate = Array(candidate.suffix(4))
    }
    guard candidate.count == bytes.count else { return false }
    for bit in 0..<length where (candidate[bit / 8] ^ bytes[bit / 8]) & (0x80 >> UInt8(bit % 8)) != 0 {
      return false
    }
    return true
  }

  public var description: String {
    (bytes.count == 4 ? IPv4.format(bytes) : IPv6.format(bytes)) + "/\(length)"
  }
}

/// Zone transfers (AXFR, RFC 5936; IXFR answered in full, RFC 1995 §4), sans-I/O: a query in,
/// the messages of the answer out.
extension Responder {
  /// Largest transfer message we build; far below TCP's 65535 so a reader's buffer stays small.
  static let transferMessageSize = 16_384

  /// The answer to an AXFR or IXFR `message` from `client` over TCP: every record of the zone
  /// between two copies of its SOA, in as many messages as it takes. REFUSED to clients not
  /// allowed, NOTAUTH for a name that is not the apex of a loaded zone.
  func transfer(_ message: DNSMessage, question: DNSQuestion, from client: String) -> [[UInt8]] {
    var header = Self.responseHeader(for: message.header)
    guard allowTransfer.contains(where: { $0.contains(client) }) else {
      return [
        failure(message.header, [question], rcode: ResponseCode.refused, edns: message.edns, extendedError: 18)
          .encoded()
      ]
    }
    guard let zone = zones.first(where: { $0.origin == question.name }), let soa = zone.zone.soa else {
      return [failure(message.header, [question], rcode: ResponseCode.notAuth, edns: message.edns).encoded()]
    }
    header.authoritative = true
    if question.type == .ixfr, let serial = Self.serial(in: message.authority.first), serial == Self.serial(in: soa) {
      // The client is up to date: the current SOA alone says so (RFC 1995 §2).
      var response = DNSMessage()
      response.header = header
      response.questions = [question]
      response.answers = [soa]
      return [response.encoded()]
    }
    var messages: [[UInt8]] = []
    var current = DNSMessage()
    func start() {
      current = DNSMessage()
      current.header = header
      if messages.isEmpty { current.questions = [question] }  // the question in the first only
    }
    start()
    var size = 12 + question.name.wireLength + 4
    for record in [soa] + zone.zone.records.filter({ $0 != soa }) + [soa] {
      let length = record.name.wireLength + 10 + record.rdata.count
      if size + length > Self.transferMessageSize && !current.answers.isEmpty {
        messages.append(current.encoded())
        start()
        size = 12
      }
      current.answers.append(record)
      size += length
    }
    messages.append(current.encoded())
    return messages
  }

  /// The answer to an AXFR or IXFR over UDP: AXFR cannot be carried at all (NOTIMP); IXFR is
  /// told to use TCP by the current SOA alone (RFC 1995 §2).
  func transferOverUDP(_ message: DNSMessage, question: DNSQuestion) -> DNSMessage {
    guard question.type == .ixfr, let zone = zones.first(where: { $0.origin == question.name }),
      let soa = zone.zone.soa
    else {
      return failure(message.header, [question], rcode: ResponseCode.notImp, edns: message.edns)
    }
    var response = DNSMessage()
    response.header = Self.responseHeader(for: message.header)
    response.header.authoritative = true
    response.questions = [question]
    response.answers = [soa]
    return response
  }

  static func serial(in soa: DNSRecord?) -> UInt32? {
    guard let soa, soa.type == .soa else { return nil }
    var reader = WireReader(soa.rdata)
    guard (try? reader.name()) != nil, (try? reader.name()) != nil else { return nil }
    return try? reader.u32()
  }
}
