import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// A UDP socket: the connectionless recipes, `socket → sendto` and `socket → bind → recvfrom`.
///
/// Each datagram stands alone: there is no connection, no stream and no close handshake, so
/// every receive says who sent it.
public struct UDPSocket: Sendable {
  /// The datagram socket.
  public let socket: Socket

  /// `socket(family, SOCK_DGRAM)`: an unbound UDP socket (the kernel picks a source port at the
  /// first `sendto`).
  public init(family: Int32) throws(SocketError) {
    socket = try Socket.open(family: family, type: Int32(SOCK_DGRAM.rawValue))
  }

  /// `socket` then `bind()`: a UDP socket that receives at `address` (a server's step).
  public init(boundTo address: SocketAddress) throws(SocketError) {
    socket = try Socket.open(family: address.family, type: Int32(SOCK_DGRAM.rawValue))
    do {
      if case .v6 = address {
        try socket.setOption(level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 0)
      }
      try socket.bind(to: address)
    } catch {
      socket.close()
      throw error
    }
  }

  /// The local address (its port, after binding to port 0 or after the first send).
  public func localAddress() throws(SocketError) -> SocketAddress {
    try socket.localAddress()
  }

  /// `sendto()`: sends one datagram to `address`. Returns false if the kernel's buffer is full.
  @discardableResult
  public func send(_ bytes: [UInt8], to address: SocketAddress) throws(SocketError) -> Bool {
    let n = bytes.withUnsafeBytes { raw in
      address.withSockAddr { sa, len in
        retryingOnInterrupt { sendto(socket.descriptor, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL), sa, len) }
      }
    }
    if n < 0 {
      if errno == EAGAIN || errno == EWOULDBLOCK { return false }
      throw .last("sendto")
    }
    return true
  }

  /// `recvfrom()`: one waiting datagram and its sender, or nil if none is waiting.
  public func receive(maxSize: Int = 65_535) throws(SocketError) -> (bytes: [UInt8], from: SocketAddress)? {
    var buffer = [UInt8](repeating: 0, count: maxSize)
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let n = buffer.withUnsafeMutableBytes { raw in
      withUnsafeMutablePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
          retryingOnInterrupt { recvfrom(socket.descriptor, raw.baseAddress, raw.count, 0, sa, &length) }
        }
      }
    }
    if n < 0 {
      if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
      throw .last("recvfrom")
    }
    guard let sender = SocketAddress(storage: storage) else { return nil }
    buffer.removeLast(maxSize - n)
    return (buffer, sender)
  }

  /// Closes the socket.
  public func close() {
    socket.close()
  }
}
