import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// A link-layer capture (`socket(AF_PACKET, SOCK_RAW, ETH_P_ALL)`): every frame the host sends
/// or receives, as the wire carries it. Opening one needs root or CAP_NET_RAW.
///
/// The DNS client's `+layers` view uses it to show what really crossed each layer.
public final class PacketCapture {
  /// One captured frame.
  public struct Frame: Sendable {
    /// The frame from its link-layer header on.
    public var bytes: [UInt8]
    /// The interface it crossed.
    public var interfaceIndex: Int32
    /// True for frames this host sent (PACKET_OUTGOING).
    public var outgoing: Bool
    /// The link-layer header type (ARPHRD_*: 1 Ethernet, 772 loopback).
    public var hardwareType: UInt16
  }

  private let socket: Socket

  /// Opens the capture; nil without the privilege (EPERM) or without AF_PACKET.
  public init?() {
    let protocolAll = Int32(UInt16(ETH_P_ALL).bigEndian)
    let fd = Glibc.socket(
      AF_PACKET, Int32(SOCK_RAW.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), protocolAll)
    guard fd >= 0 else { return nil }
    socket = Socket(descriptor: fd)
  }

  deinit { socket.close() }

  /// Every frame captured so far (up to `limit`), without waiting.
  public func drain(limit: Int = 20_000) -> [Frame] {
    var frames: [Frame] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while frames.count < limit {
      var address = sockaddr_ll()
      var length = socklen_t(MemoryLayout<sockaddr_ll>.size)
      let n = buffer.withUnsafeMutableBytes { raw in
        withUnsafeMutablePointer(to: &address) {
          $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            recvfrom(socket.descriptor, raw.baseAddress, raw.count, 0, $0, &length)
          }
        }
      }
      if n < 0 { break }
      frames.append(
        Frame(
          bytes: Array(buffer[0..<n]), interfaceIndex: address.sll_ifindex,
          outgoing: Int32(address.sll_pkttype) == PACKET_OUTGOING, hardwareType: address.sll_hatype))
    }
    return frames
  }

  /// The name of interface `index` ("lo", "eth0").
  public static func interfaceName(_ index: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
    guard if_indextoname(UInt32(index), &buffer) != nil else { return "if\(index)" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The interface that holds `address`, from `getifaddrs` (nil if none does).
  public static func interface(holding address: SocketAddress) -> String? {
    SocketAddress.interfaceAddresses().first { $0.address.sameHost(as: address) }?.interface
  }
}
