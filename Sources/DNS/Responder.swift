/// An authoritative answerer for a set of zones: a query's bytes in, a response's bytes out.
///
/// Sans-I/O: the UDP and TCP glue hands it datagrams and frames. It answers with AA for its
/// own names, NXDOMAIN or NODATA with the SOA in the authority section, follows CNAME chains
/// inside the zone, REFUSES names outside its zones, answers FORMERR to malformed queries and
/// NOTIMP to other opcodes, and sets TC when a UDP answer does not fit the client's size.
public final class Responder: Sendable {
  /// Records by owner name, then type.
  private let names: [DNSName: [RecordType: [DNSRecord]]]
  /// Zones by apex, longest first for matching.
  private let zones: [Zone]
  /// Every name that exists: owners and the empty non-terminals above them (RFC 8020: a name
  /// with nothing but children is NODATA, not NXDOMAIN).
  private let existing: Set<DNSName>

  /// The zones' names, for messages ("example.test., example.org.").
  public var zoneNames: String {
    zones.map(\.origin.description).sorted().joined(separator: ", ")
  }

  /// Largest UDP response without EDNS (RFC 1035 §4.2.1).
  public static let classicUDPSize = 512
  /// Largest UDP response we send even when the client allows more (the 2020 flag day value).
  public static let maximumUDPSize = 1232

  public init(zones: [Zone]) {
    var names: [DNSName: [RecordType: [DNSRecord]]] = [:]
    for zone in zones {
      for record in zone.records {
        names[record.name, default: [:]][record.type, default: []].append(record)
      }
    }
    self.names = names
    self.zones = zones.sorted { $0.origin.labels.count > $1.origin.labels.count }
    var existing: Set<DNSName> = []
    for zone in zones {
      for record in zone.records {
        // The owner and every name between it and the apex (records are inside the zone).
        var labels = record.name.labels[...]
        while true {
          existing.insert(DNSName(labels: Array(labels)))
          if labels.count <= zone.origin.labels.count { break }
          labels.removeFirst()
        }
      }
    }
    self.existing = existing
  }

  /// The response to `query`, or nil when it deserves none (it is itself a response, or too
  /// short to have an ID). `overUDP` limits the size and may set TC.
  public func respond(to query: [UInt8], overUDP: Bool) -> [UInt8]? {
    let message: DNSMessage
    do {
      message = try DNSMessage(decoding: query)
    } catch {
      guard let (header, questions) = DNSMessage.headerAndQuestion(of: query), !header.isResponse else { return nil }
      return failure(header, questions, rcode: ResponseCode.formErr).encoded()
    }
    guard !message.header.isResponse else { return nil }
    if message.header.opcode != 0 {
      return failure(message.header, message.questions, rcode: ResponseCode.notImp, edns: message.edns).encoded()
    }
    guard message.questions.count == 1, let question = message.questions.first else {
      return failure(message.header, message.questions, rcode: ResponseCode.formErr, edns: message.edns).encoded()
    }
    if let edns = message.edns, edns.version > 0 {
      var response = failure(message.header, message.questions, rcode: 16, edns: message.edns)  // BADVERS
      response.edns?.extendedRcode = 1
      response.header.rcode = 0
      return response.encoded()
    }
    var response = answer(question, header: message.header)
    if message.edns != nil { response.edns = EDNS(udpSize: UInt16(Self.maximumUDPSize)) }
    var bytes = response.encoded()
    // Over TCP the 2-byte length prefix caps a message at 65535 bytes.
    let limit =
      overUDP
      ? message.edns.map { min(max(Int($0.udpSize), Self.classicUDPSize), Self.maximumUDPSize) } ?? Self.classicUDPSize
      : 65535
    if bytes.count > limit {
      // Too big: send the header and question with TC set. Over UDP the client retries over TCP
      // (RFC 1035 §4.2.1, RFC 7766); over TCP nothing bigger can be sent at all.
      response.header.truncated = true
      response.answers = []
      response.authority = []
      response.additional = []
      bytes = response.encoded()
    }
    return bytes
  }

  /// The full answer to one question.
  func answer(_ question: DNSQuestion, header query: DNSHeader) -> DNSMessage {
    var response = DNSMessage()
    response.header = Self.responseHeader(for: query)
    response.questions = [question]
    guard question.recordClass == .in || question.recordClass == .any,
      let zone = zones.first(where: { question.name.isSubdomain(of: $0.origin) })
    else {
      response.header.rcode = UInt8(ResponseCode.refused)
      return response
    }
    response.header.authoritative = true
    var name = question.name
    var seen: Set<DNSName> = []
    // Follow CNAMEs inside the zone, at most 8 links, never in a loop.
    while seen.count < 8 {
      seen.insert(name)
      guard let rrsets = names[name] else {
        if !existing.contains(name) { response.header.rcode = UInt8(ResponseCode.nxDomain) }
        response.authority = negativeSOA(zone)
        return response
      }
      if question.type == .any {
        response.answers += rrsets.keys.sorted { $0.rawValue < $1.rawValue }.flatMap { rrsets[$0]! }
        return response
      }
      if let matching = rrsets[question.type] {
        response.answers += matching
        return response
      }
      if let cname = rrsets[.cname]?.first, question.type != .cname {
        response.answers.append(cname)
        var reader = WireReader(cname.rdata)
        guard let target = try? reader.name(), target.isSubdomain(of: zone.origin), !seen.contains(target) else {
          return response
        }
        name = target
        continue
      }
      response.authority = negativeSOA(zone)  // NODATA: the name exists, the type does not
      return response
    }
    return response
  }

  /// The SOA for a negative answer, its TTL capped by the SOA's minimum (RFC 2308 §3).
  private func negativeSOA(_ zone: Zone) -> [DNSRecord] {
    guard var soa = zone.soa else { return [] }
    let minimum = soa.rdata.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    soa.ttl = min(soa.ttl, minimum)
    return [soa]
  }

  static func responseHeader(for query: DNSHeader) -> DNSHeader {
    var header = DNSHeader()
    header.id = query.id
    header.isResponse = true
    header.opcode = query.opcode
    header.recursionDesired = query.recursionDesired
    header.checkingDisabled = query.checkingDisabled
    return header
  }

  private func failure(_ query: DNSHeader, _ questions: [DNSQuestion], rcode: Int, edns: EDNS? = nil) -> DNSMessage {
    var response = DNSMessage()
    response.header = Self.responseHeader(for: query)
    response.header.rcode = UInt8(rcode & 0xF)
    response.questions = questions
    if edns != nil { response.edns = EDNS(udpSize: UInt16(Self.maximumUDPSize)) }
    return response
  }
}
