/// An authoritative answerer for a set of zones: a query's bytes in, a response's bytes out.
///
/// Sans-I/O: the UDP and TCP glue hands it datagrams and frames. The lookup itself (referrals,
/// wildcards, CNAME and DNAME chains) is `lookUp`; this level reads the query, refuses what is
/// malformed (FORMERR, NOTIMP, BADVERS), copies the DO bit, adds Extended DNS Errors, and makes
/// the answer fit the transport (TC over UDP).
public final class Responder: Sendable {
  /// Zones by apex, deepest first, so the first that holds a name is the one that answers.
  let zones: [IndexedZone]
  /// Who may transfer zones; nobody when empty.
  let allowTransfer: [AddressPrefix]

  /// The zones' names, for messages ("example.test., example.org.").
  public var zoneNames: String {
    zones.map(\.origin.description).sorted().joined(separator: ", ")
  }

  /// Largest UDP response without EDNS (RFC 1035 §4.2.1).
  public static let classicUDPSize = 512
  /// Largest UDP response we send even when the client allows more (the 2020 flag day value).
  public static let maximumUDPSize = 1232

  public init(zones: [Zone], allowTransfer: [AddressPrefix] = []) {
    self.zones = zones.map(IndexedZone.init).sorted { $0.origin.labels.count > $1.origin.labels.count }
    self.allowTransfer = allowTransfer
  }

  /// What a query asks of the responder, once it has been read and checked.
  enum Request {
    /// Answer with this message (an error, or nothing: the query was itself a response).
    case reply(DNSMessage?)
    /// Look the question up.
    case lookUp(DNSMessage, DNSQuestion)
    /// A zone transfer.
    case transfer(DNSMessage, DNSQuestion)
  }

  /// Reads and checks a query (RFC 1035 §4.1, RFC 6891 §6.1.1), as NSD does: one question, no
  /// answer records, authority only for IXFR, nothing in additional but one OPT.
  func read(_ query: [UInt8]) -> Request {
    let message: DNSMessage
    do {
      message = try DNSMessage(decoding: query)
    } catch {
      guard let (header, questions) = DNSMessage.headerAndQuestion(of: query), !header.isResponse else {
        return .reply(nil)
      }
      return .reply(failure(header, questions, rcode: ResponseCode.formErr))
    }
    let header = message.header
    guard !header.isResponse else { return .reply(nil) }
    if header.opcode != 0 {
      return .reply(failure(header, message.questions, rcode: ResponseCode.notImp, edns: message.edns))
    }
    guard message.questions.count == 1, let question = message.questions.first, !header.truncated,
      message.answers.isEmpty, message.authority.isEmpty || question.type == .ixfr, message.additional.isEmpty
    else {
      return .reply(failure(header, message.questions, rcode: ResponseCode.formErr, edns: message.edns))
    }
    if let edns = message.edns, edns.version > 0 {
      var response = failure(header, message.questions, rcode: 0, edns: edns)
      response.edns?.extendedRcode = 1  // BADVERS (16): 1 in the OPT's upper bits, 0 in the header
      return .reply(response)
    }
    if question.type == .axfr || question.type == .ixfr { return .transfer(message, question) }
    return .lookUp(message, question)
  }

  /// The response to `query`, or nil when it deserves none (it is itself a response, or too
  /// short to have an ID). `overUDP` limits the size and may set TC; transfers asked over TCP
  /// belong to `respondOverTCP`.
  public func respond(to query: [UInt8], overUDP: Bool) -> [UInt8]? {
    switch read(query) {
    case .reply(let message):
      return message?.encoded()
    case .transfer(let message, let question):
      let response =
        overUDP
        ? transferOverUDP(message, question: question)
        : failure(message.header, [question], rcode: ResponseCode.refused, edns: message.edns)
      return response.encoded()
    case .lookUp(let message, let question):
      var response = DNSMessage()
      response.header = Self.responseHeader(for: message.header)
      response.questions = [question]
      let sections = lookUp(question)
      response.header.authoritative = sections.authoritative
      response.header.rcode = UInt8(sections.rcode)
      response.answers = sections.answers
      response.authority = sections.authority
      response.additional = sections.additional
      response.edns = responseEDNS(message.edns, extendedError: sections.notAuthoritative ? 20 : nil)
      // Over TCP the 2-byte length prefix caps a message at 65535 bytes.
      let limit =
        overUDP
        ? message.edns.map { min(max(Int($0.udpSize), Self.classicUDPSize), Self.maximumUDPSize) }
          ?? Self.classicUDPSize
        : 65535
      return response.encoded(limit: limit)
    }
  }

  /// The messages answering `query` from `client` over TCP: one, or a zone transfer's many.
  public func respondOverTCP(to query: [UInt8], from client: String) -> [[UInt8]] {
    if case .transfer(let message, let question) = read(query) {
      return transfer(message, question: question, from: client)
    }
    return respond(to: query, overUDP: false).map { [$0] } ?? []
  }

  /// The response's OPT: our size, the query's DO bit (RFC 3225 §3), and an Extended DNS Error
  /// when there is one to give (RFC 8914: 20 Not Authoritative, 18 Prohibited). None when the
  /// query had none.
  func responseEDNS(_ query: EDNS?, extendedError: UInt16? = nil) -> EDNS? {
    guard let query else { return nil }
    var edns = EDNS(udpSize: UInt16(Self.maximumUDPSize))
    edns.dnssecOK = query.dnssecOK
    if let extendedError {
      edns.options.append(
        (code: EDNS.extendedErrorCode, data: [UInt8(extendedError >> 8), UInt8(extendedError & 0xFF)]))
    }
    return edns
  }

  /// The response header: the query's ID, opcode and RD. CD is not copied: an authoritative
  /// answer has nothing to check (NSD clears it too).
  static func responseHeader(for query: DNSHeader) -> DNSHeader {
    var header = DNSHeader()
    header.id = query.id
    header.isResponse = true
    header.opcode = query.opcode
    header.recursionDesired = query.recursionDesired
    return header
  }

  func failure(
    _ query: DNSHeader, _ questions: [DNSQuestion], rcode: Int, edns: EDNS? = nil, extendedError: UInt16? = nil
  ) -> DNSMessage {
    var response = DNSMessage()
    response.header = Self.responseHeader(for: query)
    response.header.rcode = UInt8(rcode & 0xF)
    response.questions = questions
    response.edns = responseEDNS(edns, extendedError: extendedError)
    return response
  }
}
