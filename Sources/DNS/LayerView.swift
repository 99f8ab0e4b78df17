import Transport

#if canImport(Glibc)
  import Glibc
#endif

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

/// `+layers`: each TCP/IP layer's view of the query sent and the answer received.
///
/// With a link-layer capture (root or CAP_NET_RAW) the figures are read from the frames that
/// crossed the interface and marked "observed"; without one they are computed from the socket
/// (getsockname, the addresses, IP_RECVTTL for the answer's TTL) and marked "derived".
public enum LayerView {
  /// A parsed frame: link, network and transport headers and the payload.
  struct Packet {
    var interface: String
    var loopback: Bool
    var sourceMAC: String?
    var destinationMAC: String?
    var etherType: UInt16
    var frameLength: Int
    var ipVersion: Int
    var source: SocketAddress
    var destination: SocketAddress
    var ttl: Int
    var ipProtocol: Int
    var ipTotalLength: Int
    var ipHeaderLength: Int
    var transportLength: Int
    var checksum: UInt16
    var tcpFlags: UInt8?
    var payload: [UInt8]
  }

  public static func describe(_ e: Exchange, frames: [PacketCapture.Frame]?) -> String {
    let packets = frames?.compactMap(parse) ?? []
    let proto = e.overTCP ? 6 : 17
    let sent = packets.first {
      $0.source == e.local && $0.destination == e.server && $0.ipProtocol == proto && !$0.payload.isEmpty
    }
    let received = packets.last {
      $0.source == e.server && $0.destination == e.local && $0.ipProtocol == proto && !$0.payload.isEmpty
    }
    var out = ";; LAYERS (observed = read from a link-layer capture of the wire; derived = computed from the socket)\n"
    if frames == nil {
      out += ";; (no capture: opening AF_PACKET needs root or CAP_NET_RAW, so figures below are derived)\n"
    }
    out += block("query sent", bytes: e.queryBytes, from: e.local, to: e.server, tcp: e.overTCP, packet: sent, ttl: nil)
    out += block(
      "answer received", bytes: e.responseBytes, from: e.server, to: e.local, tcp: e.overTCP, packet: received,
      ttl: e.receivedTTL)
    return out + "\n"
  }

  static func block(
    _ title: String, bytes: [UInt8], from: SocketAddress, to: SocketAddress, tcp: Bool, packet: Packet?, ttl: Int?
  ) -> String {
    var out = ";; \(title.uppercased()):\n"
    out += ";;   application  DNS, \(bytes.count) bytes [observed: the message itself]\n"
    for part in MessageLayout.parts(bytes) {
      out += ";;                \(part.title) \(part.range.lowerBound)-\(part.range.upperBound - 1): \(part.summary)\n"
    }
    let protocolName = tcp ? "TCP" : "UDP"
    let ipv6 = (from.unmappedIPv4 ?? from).family == AF_INET6
    if let p = packet {
      var transport = ";;   transport    \(protocolName) \(p.source) → \(p.destination), "
      transport += tcp ? "segment \(p.transportLength) bytes" : "length \(p.transportLength)"
      transport += ", checksum 0x\(String(p.checksum, radix: 16))"
      if let flags = p.tcpFlags { transport += ", flags \(tcpFlagNames(flags))" }
      out += transport + (tcp ? ", payload = 2-byte length + DNS" : "") + " [observed]\n"
      out +=
        ";;   network      IPv\(p.ipVersion) \(p.source.host) → \(p.destination.host), protocol \(p.ipProtocol) (\(protocolName)), "
      out +=
        "\(p.ipVersion == 6 ? "hop limit" : "TTL") \(p.ttl), total length \(p.ipTotalLength), header \(p.ipHeaderLength) [observed]\n"
      out += ";;   link         \(p.interface)\(p.loopback ? " (loopback)" : ""), "
      if let s = p.sourceMAC, let d = p.destinationMAC { out += "\(s) → \(d), " }
      out += "type 0x\(String(format4hex: p.etherType)), frame \(p.frameLength) bytes [observed]\n"
      return out
    }
    let payload = bytes.count + (tcp ? 2 : 0)
    let transportLength = tcp ? payload : 8 + payload
    let ipHeader = ipv6 ? 40 : 20
    out += ";;   transport    \(protocolName) \(from) → \(to), "
    out +=
      tcp
      ? "payload \(payload) bytes (2-byte length + DNS) [derived]\n"
      : "length \(transportLength) (8 header + \(bytes.count)), checksum filled in by the kernel [derived]\n"
    let ttlText =
      ttl.map { "\(ipv6 ? "hop limit" : "TTL") \($0) [observed via IP_RECVTTL]" }
      ?? "\(ipv6 ? "hop limit" : "TTL") 64 (Linux default) [derived]"
    out +=
      ";;   network      IPv\(ipv6 ? 6 : 4) \(from.host) → \(to.host), protocol \(tcp ? 6 : 17) (\(protocolName)), "
    out += "total length \(tcp ? "≥ " : "")\(ipHeader + transportLength + (tcp ? 20 : 0)) [derived], \(ttlText)\n"
    let local = from.sameHost(as: to) ? from : (title.hasPrefix("query") ? from : to)
    let name = PacketCapture.interface(holding: local) ?? "unknown"
    out += ";;   link         \(name)\(name == "lo" ? " (loopback)" : "") [derived from the local address]\n"
    return out
  }

  static func tcpFlagNames(_ flags: UInt8) -> String {
    let names: [(UInt8, String)] = [(0x02, "SYN"), (0x10, "ACK"), (0x08, "PSH"), (0x01, "FIN"), (0x04, "RST")]
    return names.filter { flags & $0.0 != 0 }.map(\.1).joined(separator: "+")
  }

  /// Reads a captured frame's link, IP and UDP/TCP headers; nil for anything else.
  static func parse(_ frame: PacketCapture.Frame) -> Packet? {
    let b = frame.bytes
    var offset = 0
    var sourceMAC: String?
    var destinationMAC: String?
    var etherType: UInt16 = 0
    if frame.hardwareType == 1 || frame.hardwareType == 772 {  // Ethernet, or loopback's Ethernet-like header
      guard b.count >= 14 else { return nil }
      destinationMAC = mac(b[0..<6])
      sourceMAC = mac(b[6..<12])
      etherType = UInt16(b[12]) << 8 | UInt16(b[13])
      offset = 14
    } else {
      return nil
    }
    guard offset < b.count else { return nil }
    let version = Int(b[offset] >> 4)
    var source: SocketAddress
    var destination: SocketAddress
    let ttl: Int
    let proto: Int
    let total: Int
    let header: Int
    if version == 4 {
      guard b.count >= offset + 20 else { return nil }
      header = Int(b[offset] & 0xF) * 4
      total = Int(b[offset + 2]) << 8 | Int(b[offset + 3])
      ttl = Int(b[offset + 8])
      proto = Int(b[offset + 9])
      guard let s = try? SocketAddress(host: IPv4.format(b[(offset + 12)..<(offset + 16)]), port: 0),
        let d = try? SocketAddress(host: IPv4.format(b[(offset + 16)..<(offset + 20)]), port: 0)
      else { return nil }
      source = s
      destination = d
    } else if version == 6 {
      guard b.count >= offset + 40 else { return nil }
      header = 40
      total = 40 + (Int(b[offset + 4]) << 8 | Int(b[offset + 5]))
      proto = Int(b[offset + 6])
      ttl = Int(b[offset + 7])
      guard let s = try? SocketAddress(host: IPv6.format(b[(offset + 8)..<(offset + 24)]), port: 0),
        let d = try? SocketAddress(host: IPv6.format(b[(offset + 24)..<(offset + 40)]), port: 0)
      else { return nil }
      source = s
      destination = d
    } else {
      return nil
    }
    let t = offset + header
    guard proto == 6 || proto == 17, b.count >= t + 8, offset + total <= b.count else { return nil }
    source = source.with(port: UInt16(b[t]) << 8 | UInt16(b[t + 1]))
    destination = destination.with(port: UInt16(b[t + 2]) << 8 | UInt16(b[t + 3]))
    var checksum: UInt16
    var flags: UInt8?
    let payloadStart: Int
    if proto == 17 {
      checksum = UInt16(b[t + 6]) << 8 | UInt16(b[t + 7])
      payloadStart = t + 8
    } else {
      guard b.count >= t + 20 else { return nil }
      let dataOffset = Int(b[t + 12] >> 4) * 4
      flags = b[t + 13]
      checksum = UInt16(b[t + 16]) << 8 | UInt16(b[t + 17])
      payloadStart = t + dataOffset
    }
    let end = offset + total
    guard payloadStart <= end else { return nil }
    return Packet(
      interface: PacketCapture.interfaceName(frame.interfaceIndex), loopback: frame.hardwareType == 772,
      sourceMAC: sourceMAC, destinationMAC: destinationMAC, etherType: etherType, frameLength: b.count,
      ipVersion: version, source: source, destination: destination, ttl: ttl, ipProtocol: proto,
      ipTotalLength: total, ipHeaderLength: header, transportLength: end - t, checksum: checksum, tcpFlags: flags,
      payload: Array(b[payloadStart..<end]))
  }

  static func mac(_ bytes: ArraySlice<UInt8>) -> String {
    bytes.map { String(format2hex: $0) }.joined(separator: ":")
  }
}

/// `+hex`: an annotated hex dump of the query and the answer.
public enum HexDump {
  public static func annotated(_ e: Exchange) -> String {
    dump("query sent", e.queryBytes) + dump("answer received", e.responseBytes) + "\n"
  }

  static func dump(_ title: String, _ bytes: [UInt8]) -> String {
    var out = ";; HEX: \(title), \(bytes.count) bytes\n"
    for part in MessageLayout.parts(bytes) {
      out += ";; \(part.title): \(part.summary)\n"
      var offset = part.range.lowerBound
      while offset < part.range.upperBound {
        let end = min(offset + 16, part.range.upperBound)
        let row = bytes[offset..<end]
        let hex = row.map { String(format2hex: $0) }.joined(separator: " ")
        let text = String(row.map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "." })
        out += ";;   \(String(format4hex: UInt16(offset)))  \(hex.padding(47))  \(text)\n"
        offset = end
      }
    }
    return out
  }
}

extension String {
  init(format2hex b: UInt8) {
    let digits = Array("0123456789abcdef")
    self = String([digits[Int(b >> 4)], digits[Int(b & 15)]])
  }

  init(format4hex v: UInt16) {
    self = String(format2hex: UInt8(v >> 8)) + String(format2hex: UInt8(v & 0xFF))
  }

  func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
