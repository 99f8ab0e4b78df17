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
  /// With `reusePort`, several sockets (one per event loop) can share the port.
  public init(boundTo address: SocketAddress, reusePort: Bool = false) throws(SocketError) {
    socket = try Socket.open(family: address.family, type: Int32(SOCK_DGRAM.rawValue))
    do {
      if reusePort {
        try socket.setOption(level: SOL_SOCKET, name: SO_REUSEPORT, value: 1)
      }
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
    let sent = bytes.withUnsafeBytes { raw in
      address.withSockAddr { sa, len in
        Result { () throws(SocketError) in
          try unlessWouldBlock("sendto") {
            sendto(socket.descriptor, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL), sa, len)
          }
        }
      }
    }
    return try sent.get() != nil
  }

  /// `recvfrom()`: one waiting datagram and its sender, or nil if none is waiting.
  /// The datagram is received into scratch memory and copied out at its own size, so a batch
  /// of small answers does not hold (or clear) 64 KiB apiece.
  public func receive(maxSize: Int = 65_535) throws(SocketError) -> (bytes: [UInt8], from: SocketAddress)? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let received = try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxSize) {
      (scratch) throws(SocketError) -> [UInt8]? in
      let n = try withUnsafeMutablePointer(to: &storage) { (pointer) throws(SocketError) in
        try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (sa) throws(SocketError) in
          try unlessWouldBlock("recvfrom") {
            recvfrom(socket.descriptor, scratch.baseAddress, scratch.count, 0, sa, &length)
          }
        }
      }
      return n.map { Array(UnsafeBufferPointer(rebasing: scratch[0..<$0])) }
    }
    guard let received else { return nil }
    guard let sender = SocketAddress(storage: storage) else { return nil }
    return (received, sender)
  }

  /// `recvfrom()` into a buffer the caller keeps between calls (a server's hot path: no
  /// allocation per datagram). Returns the datagram's length and sender, or nil if none waits.
  public func receive(into buffer: inout [UInt8]) throws(SocketError) -> (count: Int, from: SocketAddress)? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let received = buffer.withUnsafeMutableBytes { raw in
      withUnsafeMutablePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
          Result { () throws(SocketError) in
            try unlessWouldBlock("recvfrom") { recvfrom(socket.descriptor, raw.baseAddress, raw.count, 0, sa, &length) }
          }
        }
      }
    }
    guard let n = try received.get() else { return nil }
    guard let sender = SocketAddress(storage: storage) else { return nil }
    return (n, sender)
  }

  /// Closes the socket.
  public func close() {
    socket.close()
  }
}

extension UDPSocket {
  /// The local address the kernel would send from toward `destination`: a UDP socket is
  /// `connect`ed (which only picks a route, nothing is sent) and asked with `getsockname`.
  public static func sourceAddress(toward destination: SocketAddress) -> SocketAddress? {
    guard let probe = try? UDPSocket(family: destination.family) else { return nil }
    defer { probe.close() }
    guard (try? probe.socket.connect(to: destination)) == true else { return nil }
    return try? probe.localAddress()
  }

  /// Asks the kernel to report each received datagram's IP TTL (IPv4) or hop limit (IPv6) as
  /// ancillary data, for `receiveWithTTL()`.
  public func reportTTL() {
    try? socket.setOption(level: Int32(IPPROTO_IP), name: IP_RECVTTL, value: 1)
    try? socket.setOption(level: Int32(IPPROTO_IPV6), name: IPV6_RECVHOPLIMIT, value: 1)
  }

  /// `recvmsg()`: one waiting datagram, its sender, and the TTL/hop limit it arrived with (nil
  /// when the kernel did not report it). Nil when no datagram is waiting. Copied out of scratch
  /// memory at its own size, like `receive(maxSize:)`.
  public func receiveWithTTL(maxSize: Int = 65_535) throws(SocketError) -> (
    bytes: [UInt8], from: SocketAddress, ttl: Int?
  )? {
    var storage = sockaddr_storage()
    var control = [UInt8](repeating: 0, count: 128)
    var ttl: Int32 = -1
    var received: [UInt8] = []
    let n = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxSize) { data in
      control.withUnsafeMutableBytes { controlBytes in
        withUnsafeMutablePointer(to: &storage) { address in
          var vector = iovec(iov_base: data.baseAddress, iov_len: data.count)
          return withUnsafeMutablePointer(to: &vector) { vectorPointer in
            var header = msghdr()
            header.msg_name = UnsafeMutableRawPointer(address)
            header.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
            header.msg_iov = vectorPointer
            header.msg_iovlen = 1
            header.msg_control = controlBytes.baseAddress
            header.msg_controllen = controlBytes.count
            let n = retryingOnInterrupt { recvmsg(socket.descriptor, &header, 0) }
            if n >= 0 {
              ttl = barenet_received_ttl(&header)
              received = Array(UnsafeBufferPointer(rebasing: data[0..<n]))
            }
            return n
          }
        }
      }
    }
    if n < 0 {
      let error = SocketError.last("recvmsg")
      if error.wouldBlock { return nil }
      throw error
    }
    guard let sender = SocketAddress(storage: storage) else { return nil }
    return (received, sender, ttl >= 0 ? Int(ttl) : nil)
  }
}
