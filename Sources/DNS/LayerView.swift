import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// `+layers`: each TCP/IP layer's view of the query sent and the answer received.
///
/// With a link-layer capture (root or CAP_NET_RAW) the figures are read from the frames that
/// crossed the interface and marked "observed"; without one they are computed from the socket
/// (getsockname, the addresses, IP_RECVTTL for the answer's TTL) and marked "derived".
public enum LayerView {

  public static func describe(_ e: Exchange, frames: [PacketCapture.Frame]?) -> String {
    let packets = frames?.compactMap(CapturedPacket.init) ?? []
    let proto = e.overTCP ? 6 : 17
    // Over TLS the first and last segments are the handshake and the closing alerts: the
    // message's own segment is the one exactly one record long.
    let sentSize = e.tlsSummary.map { _ in recordSize(e.queryBytes.count, e.tlsSummary) }
    let receivedSize = e.tlsSummary.map { _ in recordSize(e.responseBytes.count, e.tlsSummary) }
    let sent = packets.first {
      $0.source == e.local && $0.destination == e.server && $0.ipProtocol == proto && !$0.payload.isEmpty
        && (sentSize == nil || $0.payload.count == sentSize)
    }
    let received = packets.last {
      $0.source == e.server && $0.destination == e.local && $0.ipProtocol == proto && !$0.payload.isEmpty
        && (receivedSize == nil || $0.payload.count == receivedSize)
    }
    var out = ";; LAYERS (observed = read from a link-layer capture of the wire; derived = computed from the socket)\n"
    if frames == nil {
      out += ";; (no capture: opening AF_PACKET needs root or CAP_NET_RAW, so figures below are derived)\n"
    }
    out += block(
      "query sent", bytes: e.queryBytes, from: e.local, to: e.server, tcp: e.overTCP, tls: e.tlsSummary,
      packet: sent, ttl: nil)
    out += block(
      "answer received", bytes: e.responseBytes, from: e.server, to: e.local, tcp: e.overTCP, tls: e.tlsSummary,
      packet: received, ttl: e.receivedTTL)
    return out + "\n"
  }

  /// The TLS record carrying a DNS message of `count` bytes with its 2-byte length: TLS 1.3 seals
  /// the plaintext with a 1-byte inner type and a 16-byte AEAD tag behind a 5-byte header; TLS
  /// 1.2's GCM adds an 8-byte explicit nonce instead of the type.
  static func recordSize(_ count: Int, _ tls: String?) -> Int {
    count + 2 + (tls?.hasPrefix("TLSv1.3") == true ? 5 + 1 + 16 : 5 + 8 + 16)
  }

  /// One direction's layers.
  ///
  /// One piece: the layers are one table read top to bottom, observed or derived line by line.
  static func block(
    _ title: String, bytes: [UInt8], from: SocketAddress, to: SocketAddress, tcp: Bool, tls: String?,
    packet: CapturedPacket?, ttl: Int?
  ) -> String {
    var out = ";; \(title.uppercased()):\n"
    out += ";;   application  DNS, \(bytes.count) bytes [observed: the message itself]\n"
    for part in MessageLayout.parts(bytes) {
      out += ";;                \(part.title) \(part.range.lowerBound)-\(part.range.upperBound - 1): \(part.summary)\n"
    }
    var framed = bytes.count + (tcp ? 2 : 0)
    if let tls {
      let record = recordSize(bytes.count, tls)
      out += ";;   security     \(tls): the 2-byte length + DNS (\(framed) bytes) in one record of "
      out += "\(record) bytes (\(record - framed) of header, type and tag) [derived]\n"
      framed = record
    }
    let protocolName = tcp ? "TCP" : "UDP"
    let ipv6 = (from.unmappedIPv4 ?? from).family == AF_INET6
    if let p = packet {
      var transport = ";;   transport    \(protocolName) \(p.source) → \(p.destination), "
      transport += tcp ? "segment \(p.transportLength) bytes" : "length \(p.transportLength)"
      transport += ", checksum 0x\(String(p.checksum, radix: 16))"
      if let flags = p.tcpFlags { transport += ", flags \(CapturedPacket.tcpFlagNames(flags))" }
      out +=
        transport + (tls != nil ? ", payload = TLS records" : tcp ? ", payload = 2-byte length + DNS" : "")
        + " [observed]\n"
      out +=
        ";;   network      IPv\(p.ipVersion) \(p.source.host) → \(p.destination.host), protocol \(p.ipProtocol) (\(protocolName)), "
      out +=
        "\(p.ipVersion == 6 ? "hop limit" : "TTL") \(p.ttl), total length \(p.ipTotalLength), header \(p.ipHeaderLength) [observed]\n"
      out += ";;   link         \(p.interface)\(p.loopback ? " (loopback)" : ""), "
      if let s = p.sourceMAC, let d = p.destinationMAC { out += "\(s) → \(d), " }
      out += "type 0x\(String(format4hex: p.etherType)), frame \(p.frameLength) bytes [observed]\n"
      return out
    }
    let payload = framed
    let transportLength = tcp ? payload : 8 + payload
    let ipHeader = ipv6 ? 40 : 20
    out += ";;   transport    \(protocolName) \(from) → \(to), "
    out +=
      tcp
      ? "payload \(payload) bytes (\(tls == nil ? "2-byte length + DNS" : "a TLS record")) [derived]\n"
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
}
