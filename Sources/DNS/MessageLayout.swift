/// The parts of a DNS message with their byte ranges, for +layers and +hex.
enum MessageLayout {
  struct Part {
    var title: String
    var range: Range<Int>
    var summary: String
  }

  static func parts(_ bytes: [UInt8]) -> [Part] {
    guard let message = try? DNSMessage(decoding: bytes) else {
      return [Part(title: "undecodable", range: 0..<bytes.count, summary: "")]
    }
    let h = message.header
    var parts = [
      Part(
        title: "header", range: 0..<12,
        summary: "id \(h.id), \(DNSHeader.opcodeNames[Int(h.opcode)] ?? "opcode \(h.opcode)"), "
          + "\(h.isResponse ? ResponseCode.name(Int(h.rcode)) + ", " : "")flags [\(h.flagNames.joined(separator: " "))], "
          + "counts QD \(message.questions.count) AN \(message.answers.count) NS \(message.authority.count) "
          + "AR \(message.additional.count + (message.edns == nil ? 0 : 1))")
    ]
    var r = WireReader(bytes, offset: 12)
    for q in message.questions {
      let start = r.offset
      _ = try? r.name()
      r.offset += 4
      parts.append(Part(title: "question", range: start..<r.offset, summary: "\(q.name) \(q.recordClass) \(q.type)"))
    }
    let sections = [
      ("answer", message.answers.count), ("authority", message.authority.count),
      ("additional", message.additional.count + (message.edns == nil ? 0 : 1)),
    ]
    for (title, count) in sections {
      for _ in 0..<count {
        let start = r.offset
        guard let name = try? r.name(), let type = try? r.u16(), let cls = try? r.u16(), (try? r.u32()) != nil,
          let length = try? r.u16()
        else { break }
        r.offset += Int(length)
        let summary =
          type == RecordType.opt.rawValue
          ? "OPT (EDNS0) udp \(cls)" : "\(name) \(RecordClass(cls)) \(RecordType(type)), \(length) bytes of data"
        parts.append(Part(title: title, range: start..<r.offset, summary: summary))
      }
    }
    return parts
  }
}
