#if canImport(Glibc)
  import Glibc
#endif

/// One frame read by `PacketCapture`, its headers parsed: link (Ethernet, or loopback's
/// Ethernet-like header), network (IPv4 or IPv6) and transport (UDP or TCP), and the payload.
/// Kept beside the capture, so everything that reads the wire below the sockets is in one place.
public struct CapturedPacket: Sendable {
  public let interface: String
  public let loopback: Bool
  public let sourceMAC: String?
  public let destinationMAC: String?
  public let etherType: UInt16
  public let frameLength: Int
  public let ipVersion: Int
  public let source: SocketAddress
  public let destination: SocketAddress
  public let ttl: Int
  public let ipProtocol: Int
  public let ipTotalLength: Int
  public let ipHeaderLength: Int
  public let transportLength: Int
  public let checksum: UInt16
  public let tcpFlags: UInt8?
  public let payload: [UInt8]

  /// "SYN+ACK": the names of the TCP flags set.
  public static func tcpFlagNames(_ flags: UInt8) -> String {
    let names: [(UInt8, String)] = [(0x02, "SYN"), (0x10, "ACK"), (0x08, "PSH"), (0x01, "FIN"), (0x04, "RST")]
    return names.filter { flags & $0.0 != 0 }.map(\.1).joined(separator: "+")
  }

  /// Reads a captured frame's link, IP and UDP/TCP headers; nil for anything else.
  ///
  /// One piece: the headers are read in the order they sit on the wire, link → network → transport, each offset found from the one before.
  public init?(_ frame: PacketCapture.Frame) {
    let b = frame.bytes
    var offset = 0
    var sourceMAC: String?
    var destinationMAC: String?
    var etherType: UInt16 = 0
    if frame.hardwareType == 1 || frame.hardwareType == 772 {  // Ethernet, or loopback's Ethernet-like header
      guard b.count >= 14 else { return nil }
      destinationMAC = Self.mac(b[0..<6])
      sourceMAC = Self.mac(b[6..<12])
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
      guard let s = try? SocketAddress(host: Self.text(ipv4: b[(offset + 12)..<(offset + 16)]), port: 0),
        let d = try? SocketAddress(host: Self.text(ipv4: b[(offset + 16)..<(offset + 20)]), port: 0)
      else { return nil }
      source = s
      destination = d
    } else if version == 6 {
      guard b.count >= offset + 40 else { return nil }
      header = 40
      total = 40 + (Int(b[offset + 4]) << 8 | Int(b[offset + 5]))
      proto = Int(b[offset + 6])
      ttl = Int(b[offset + 7])
      guard let s = try? SocketAddress(host: Self.text(ipv6: b[(offset + 8)..<(offset + 24)]), port: 0),
        let d = try? SocketAddress(host: Self.text(ipv6: b[(offset + 24)..<(offset + 40)]), port: 0)
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
    interface = PacketCapture.interfaceName(frame.interfaceIndex)
    loopback = frame.hardwareType == 772
    self.sourceMAC = sourceMAC
    self.destinationMAC = destinationMAC
    self.etherType = etherType
    frameLength = b.count
    ipVersion = version
    self.source = source
    self.destination = destination
    self.ttl = ttl
    ipProtocol = proto
    ipTotalLength = total
    ipHeaderLength = header
    transportLength = end - t
    self.checksum = checksum
    tcpFlags = flags
    payload = Array(b[payloadStart..<end])
  }

  static func mac(_ bytes: ArraySlice<UInt8>) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
  }

  /// An address in text, from its 4 or 16 bytes on the wire (`inet_ntop`).
  static func text(ipv4 bytes: ArraySlice<UInt8>) -> String { text(bytes, family: AF_INET, length: INET_ADDRSTRLEN) }
  static func text(ipv6 bytes: ArraySlice<UInt8>) -> String { text(bytes, family: AF_INET6, length: INET6_ADDRSTRLEN) }

  private static func text(_ bytes: ArraySlice<UInt8>, family: Int32, length: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: Int(length))
    let written = Array(bytes).withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(length)) }
    guard written != nil else { return "?" }  // a wrong length only: the callers pass 4 or 16 bytes
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
