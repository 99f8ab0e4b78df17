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
    _ title: String, bytes: [UInt8], from: SocketAddress, to: SocketAddress, tcp: Bool, packet: CapturedPacket?,
    ttl: Int?
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
      if let flags = p.tcpFlags { transport += ", flags \(CapturedPacket.tcpFlagNames(flags))" }
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
}
