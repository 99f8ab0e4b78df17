/// The 12-byte header of a DNS message (RFC 1035 §4.1.1).
public struct DNSHeader: Equatable, Sendable {
  public var id: UInt16 = 0
  public var isResponse = false
  public var opcode: UInt8 = 0
  public var authoritative = false
  public var truncated = false
  public var recursionDesired = false
  public var recursionAvailable = false
  /// The Z bit, which must be zero.
  public var zero = false
  public var authenticData = false
  public var checkingDisabled = false
  /// The low 4 bits of the response code (the OPT record holds the upper 8).
  public var rcode: UInt8 = 0

  public init() {}

  var flags: UInt16 {
    var f = UInt16(opcode & 0xF) << 11 | UInt16(rcode & 0xF)
    if isResponse { f |= 0x8000 }
    if authoritative { f |= 0x0400 }
    if truncated { f |= 0x0200 }
    if recursionDesired { f |= 0x0100 }
    if recursionAvailable { f |= 0x0080 }
    if zero { f |= 0x0040 }
    if authenticData { f |= 0x0020 }
    if checkingDisabled { f |= 0x0010 }
    return f
  }

  init(id: UInt16, flags f: UInt16) {
    self.id = id
    isResponse = f & 0x8000 != 0
    opcode = UInt8(f >> 11 & 0xF)
    authoritative = f & 0x0400 != 0
    truncated = f & 0x0200 != 0
    recursionDesired = f & 0x0100 != 0
    recursionAvailable = f & 0x0080 != 0
    zero = f & 0x0040 != 0
    authenticData = f & 0x0020 != 0
    checkingDisabled = f & 0x0010 != 0
    rcode = UInt8(f & 0xF)
  }

  /// dig's flags line: "qr aa rd ra".
  public var flagNames: [String] {
    var names: [String] = []
    if isResponse { names.append("qr") }
    if authoritative { names.append("aa") }
    if truncated { names.append("tc") }
    if recursionDesired { names.append("rd") }
    if recursionAvailable { names.append("ra") }
    if authenticData { names.append("ad") }
    if checkingDisabled { names.append("cd") }
    return names
  }

  public static let opcodeNames = [0: "QUERY", 1: "IQUERY", 2: "STATUS", 4: "NOTIFY", 5: "UPDATE"]
}

/// A question: the name, type and class asked about.
public struct DNSQuestion: Equatable, Hashable, Sendable {
  public var name: DNSName
  public var type: RecordType
  public var recordClass: RecordClass

  public init(name: DNSName, type: RecordType, recordClass: RecordClass = .in) {
    self.name = name
    self.type = type
    self.recordClass = recordClass
  }
}

/// A resource record with its RDATA in canonical form (names uncompressed).
public struct DNSRecord: Equatable, Sendable {
  public var name: DNSName
  public var type: RecordType
  /// The class, or for OPT the requestor's UDP payload size.
  public var recordClass: RecordClass
  /// The TTL, or for OPT the extended rcode, version and flags.
  public var ttl: UInt32
  public var rdata: [UInt8]

  public init(name: DNSName, type: RecordType, recordClass: RecordClass = .in, ttl: UInt32, rdata: [UInt8]) {
    self.name = name
    self.type = type
    self.recordClass = recordClass
    self.ttl = ttl
    self.rdata = rdata
  }

  /// The RDATA as dig prints it.
  public var presentation: String { RecordData.present(type, rdata) }
}

/// EDNS(0) as carried by an OPT pseudo-record (RFC 6891).
public struct EDNS: Equatable, Sendable {
  public var udpSize: UInt16 = 1232
  public var extendedRcode: UInt8 = 0
  public var version: UInt8 = 0
  public var dnssecOK = false
  /// Options as (code, data).
  public var options: [(code: UInt16, data: [UInt8])] = []

  public init(udpSize: UInt16 = 1232) {
    self.udpSize = udpSize
  }

  public static func == (a: EDNS, b: EDNS) -> Bool {
    a.udpSize == b.udpSize && a.extendedRcode == b.extendedRcode && a.version == b.version
      && a.dnssecOK == b.dnssecOK && a.options.map(\.code) == b.options.map(\.code)
      && a.options.map(\.data) == b.options.map(\.data)
  }

  init(record: DNSRecord) {
    udpSize = UInt16(record.recordClass.rawValue)
    extendedRcode = UInt8(record.ttl >> 24)
    version = UInt8(record.ttl >> 16 & 0xFF)
    dnssecOK = record.ttl & 0x8000 != 0
    var r = WireReader(record.rdata)
    while r.remaining >= 4, let code = try? r.u16(), let length = try? r.u16(), let data = try? r.take(Int(length)) {
      options.append((code, data))
    }
  }

  var record: DNSRecord {
    var w = WireWriter(compress: false)
    for option in options {
      w.u16(option.code)
      w.u16(UInt16(option.data.count))
      w.append(option.data)
    }
    let ttl = UInt32(extendedRcode) << 24 | UInt32(version) << 16 | (dnssecOK ? 0x8000 : 0)
    return DNSRecord(name: .root, type: .opt, recordClass: RecordClass(udpSize), ttl: ttl, rdata: w.bytes)
  }
}

/// A whole DNS message: header and the four sections (RFC 1035 §4.1).
public struct DNSMessage: Equatable, Sendable {
  public var header = DNSHeader()
  public var questions: [DNSQuestion] = []
  public var answers: [DNSRecord] = []
  public var authority: [DNSRecord] = []
  /// Additional records other than OPT.
  public var additional: [DNSRecord] = []
  /// The OPT record's content, if the message has one.
  public var edns: EDNS?

  public init() {}

  /// The full response code: 4 header bits plus 8 from EDNS.
  public var rcode: Int {
    Int(edns?.extendedRcode ?? 0) << 4 | Int(header.rcode)
  }

  /// A query for `question`, with a random ID from the system's secure source (RFC 5452),
  /// RD as asked, and EDNS(0) unless `edns` is nil.
  public static func query(_ question: DNSQuestion, recursionDesired: Bool = true, edns: EDNS? = EDNS()) -> DNSMessage {
    var message = DNSMessage()
    var random = SystemRandomNumberGenerator()
    message.header.id = UInt16.random(in: 0...UInt16.max, using: &random)
    message.header.recursionDesired = recursionDesired
    message.questions = [question]
    message.edns = edns
    return message
  }

  // MARK: Wire format

  /// The message in wire format, names compressed.
  public func encoded() -> [UInt8] {
    // Each section holds at most 65535 entries on the wire; more are never written.
    let questions = self.questions.prefix(65535)
    let answers = self.answers.prefix(65535)
    let authority = self.authority.prefix(65535)
    let additional = (self.additional + (edns.map { [$0.record] } ?? [])).prefix(65535)
    var w = WireWriter()
    w.u16(header.id)
    w.u16(header.flags)
    w.u16(UInt16(questions.count))
    w.u16(UInt16(answers.count))
    w.u16(UInt16(authority.count))
    w.u16(UInt16(additional.count))
    for q in questions {
      w.name(q.name)
      w.u16(q.type.rawValue)
      w.u16(q.recordClass.rawValue)
    }
    for record in answers + authority + additional {
      w.name(record.name)
      w.u16(record.type.rawValue)
      w.u16(record.recordClass.rawValue)
      w.u32(record.ttl)
      let rdata = record.rdata.prefix(65535)  // longer RDATA cannot exist on the wire
      w.u16(UInt16(rdata.count))
      w.append(Array(rdata))
    }
    return w.bytes
  }

  /// Reads a message, checking every length against what is there.
  public init(decoding bytes: [UInt8]) throws(DNSWireError) {
    var r = WireReader(bytes)
    let id = try r.u16()
    header = DNSHeader(id: id, flags: try r.u16())
    let counts = [try r.u16(), try r.u16(), try r.u16(), try r.u16()].map(Int.init)
    // Each question needs at least 5 bytes and each record 11: counts that cannot fit are lies.
    guard counts[0] * 5 + (counts[1] + counts[2] + counts[3]) * 11 <= r.remaining else {
      throw .truncated(at: r.offset)
    }
    for _ in 0..<counts[0] {
      questions.append(
        DNSQuestion(name: try r.name(), type: RecordType(try r.u16()), recordClass: RecordClass(try r.u16())))
    }
    func record() throws(DNSWireError) -> DNSRecord {
      let name = try r.name()
      let type = RecordType(try r.u16())
      let recordClass = RecordClass(try r.u16())
      let ttl = try r.u32()
      let length = Int(try r.u16())
      let rdata = try RecordData.read(type, length: length, from: &r)
      return DNSRecord(name: name, type: type, recordClass: recordClass, ttl: ttl, rdata: rdata)
    }
    for _ in 0..<counts[1] { answers.append(try record()) }
    for _ in 0..<counts[2] { authority.append(try record()) }
    for _ in 0..<counts[3] {
      let rr = try record()
      if rr.type == .opt && rr.name == .root && edns == nil {
        edns = EDNS(record: rr)
      } else {
        additional.append(rr)
      }
    }
    if r.remaining > 0 { throw .trailingBytes(count: r.remaining) }
  }

  /// Only the header and question, for answering malformed queries with FORMERR.
  public static func headerAndQuestion(of bytes: [UInt8]) -> (DNSHeader, [DNSQuestion])? {
    guard bytes.count >= 12 else { return nil }
    var r = WireReader(bytes)
    guard let id = try? r.u16(), let flags = try? r.u16(), let qd = try? r.u16() else { return nil }
    var questions: [DNSQuestion] = []
    r.offset = 12
    if qd == 1, let name = try? r.name(), let t = try? r.u16(), let c = try? r.u16() {
      questions.append(DNSQuestion(name: name, type: RecordType(t), recordClass: RecordClass(c)))
    }
    return (DNSHeader(id: id, flags: flags), questions)
  }
}
