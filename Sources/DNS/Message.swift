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

  /// The option code of an Extended DNS Error (RFC 8914).
  public static let extendedErrorCode: UInt16 = 15

  /// The Extended DNS Errors among the options: each an info-code and its optional text.
  public var extendedErrors: [(code: UInt16, text: String)] {
    options.filter { $0.code == Self.extendedErrorCode && $0.data.count >= 2 }.map { option in
      (UInt16(option.data[0]) << 8 | UInt16(option.data[1]), String(decoding: option.data.dropFirst(2), as: UTF8.self))
    }
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

  /// A query for `question`, with a random ID from the system's secure source (RFC 5452)
  /// unless `id` is given (a batch draws its own), RD as asked, and EDNS(0) unless `edns` is nil.
  public static func query(
    _ question: DNSQuestion, recursionDesired: Bool = true, edns: EDNS? = EDNS(), id: UInt16? = nil
  ) -> DNSMessage {
    var message = DNSMessage()
    if let id {
      message.header.id = id
    } else {
      var random = SystemRandomNumberGenerator()
      message.header.id = UInt16.random(in: 0...UInt16.max, using: &random)
    }
    message.header.recursionDesired = recursionDesired
    message.questions = [question]
    message.edns = edns
    return message
  }

  // MARK: Wire format

  /// The message in wire format, names compressed (in RDATA too, for the RFC 1035 types that
  /// allow it: RFC 3597 §4).
  ///
  /// A message larger than `limit` loses whole RRsets from the end: additional records are
  /// left out silently, while anything missing from the answer or authority sets TC
  /// (RFC 2181 §9), as NSD does.
  public func encoded(limit: Int = 65535) -> [UInt8] {
    // Each section holds at most 65535 entries on the wire; more are never written.
    let questions = self.questions.prefix(65535)
    let opt = edns.map { [$0.record] } ?? []
    // A query (a question and at most an OPT) has no name to point back to: no compression table.
    var w = WireWriter(compress: !(answers.isEmpty && authority.isEmpty && additional.isEmpty))
    w.u16(header.id)
    w.u16(header.flags)
    w.u16(UInt16(questions.count))
    w.bytes += [0, 0, 0, 0, 0, 0]  // the record counts, filled in below
    for q in questions {
      w.name(q.name)
      w.u16(q.type.rawValue)
      w.u16(q.recordClass.rawValue)
    }
    // Room kept for the OPT record, which must not be lost to truncation.
    let reserve = opt.isEmpty ? 0 : 11 + opt[0].rdata.count
    var counts = [0, 0, 0]
    var truncated = false
    sections: for (index, section) in [answers, authority, additional].enumerated() {
      for rrset in Self.rrsets(section) {
        let mark = w.bytes.count
        for record in rrset.prefix(65535 - counts[index]) { Self.write(record, to: &w) }
        if w.bytes.count + reserve > limit {
          // Names written past the mark stay in the compression table, harmlessly: only the
          // OPT (the root name) is written after this.
          w.bytes.removeSubrange(mark...)
          truncated = index < 2
          break sections
        }
        counts[index] += rrset.count
      }
    }
    for record in opt { Self.write(record, to: &w) }
    counts[2] += opt.count
    for (i, count) in counts.enumerated() {
      w.bytes[6 + 2 * i] = UInt8(min(count, 65535) >> 8)
      w.bytes[7 + 2 * i] = UInt8(min(count, 65535) & 0xFF)
    }
    if truncated { w.bytes[2] |= 0x02 }
    return w.bytes
  }

  /// Runs of records with the same owner and type: what truncation keeps or drops together.
  static func rrsets(_ records: [DNSRecord]) -> [ArraySlice<DNSRecord>] {
    var runs: [ArraySlice<DNSRecord>] = []
    var start = 0
    for i in records.indices
    where i == records.count - 1 || records[i + 1].type != records[i].type
      || records[i + 1].name != records[i].name
    {
      runs.append(records[start...i])
      start = i + 1
    }
    return runs
  }

  /// One record; names in the RDATA of RFC 1035's own types are compressed too.
  static func write(_ record: DNSRecord, to w: inout WireWriter) {
    w.name(record.name)
    w.u16(record.type.rawValue)
    w.u16(record.recordClass.rawValue)
    w.u32(record.ttl)
    let lengthAt = w.bytes.count
    w.u16(0)
    let rdata = record.rdata.prefix(65535)  // longer RDATA cannot exist on the wire
    var r = WireReader(Array(rdata))
    switch record.type.rawValue {
    case 2, 3, 4, 5, 7, 8, 9, 12:  // NS, MD, MF, CNAME, MB, MG, MR, PTR
      if let name = try? r.name(), r.remaining == 0 { w.name(name) } else { w.append(Array(rdata)) }
    case 15:  // MX
      if let preference = try? r.u16(), let name = try? r.name(), r.remaining == 0 {
        w.u16(preference)
        w.name(name)
      } else {
        w.append(Array(rdata))
      }
    case 6, 14:  // SOA, MINFO
      if let first = try? r.name(), let second = try? r.name() {
        w.name(first)
        w.name(second)
        w.append(Array(rdata[r.offset...]))
      } else {
        w.append(Array(rdata))
      }
    default:
      w.append(Array(rdata))
    }
    let length = w.bytes.count - lengthAt - 2
    w.bytes[lengthAt] = UInt8(length >> 8)
    w.bytes[lengthAt + 1] = UInt8(length & 0xFF)
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
