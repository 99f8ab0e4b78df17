import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// A listening TCP socket: the server recipe's `socket → bind → listen`, then `accept` per client.
public struct TCPListener: Sendable {
  /// The listening socket.
  public let socket: Socket
  /// The address actually bound (with the real port when 0 was asked for).
  public let address: SocketAddress

  /// Opens a listener: `socket()`, `SO_REUSEADDR`, `bind()`, `listen()`.
  ///
  /// - Parameters:
  ///   - address: where to listen; `::` accepts IPv4 and IPv6 alike (IPV6_V6ONLY off).
  ///   - backlog: the kernel's queue of completed handshakes waiting for `accept`.
  ///   - reusePort: set `SO_REUSEPORT` so that one listener per event loop can share the port
  ///     and the kernel spreads new connections between them.
  public init(address: SocketAddress, backlog: Int32 = 1024, reusePort: Bool = false) throws(SocketError) {
    let socket = try Socket.open(family: address.family, type: Int32(SOCK_STREAM.rawValue))
    do {
      // Without SO_REUSEADDR a restarted server cannot bind while old connections sit in TIME_WAIT.
      try socket.setOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
      if reusePort {
        try socket.setOption(level: SOL_SOCKET, name: SO_REUSEPORT, value: 1)
      }
      if case .v6 = address {
        try socket.setOption(level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 0)
      }
      // Accepted sockets inherit TCP_NODELAY from the listener: set once here, not per connection.
      // (Responses leave whole, so Nagle's wait for an ACK would only delay the next one.)
      try socket.setOption(level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
      try socket.bind(to: address)
      try Self.listen(socket, backlog: backlog)
      self.address = try socket.localAddress()
      self.socket = socket
    } catch {
      socket.close()
      throw error
    }
  }

  /// `listen()`: turns a bound socket into one that takes connections.
  private static func listen(_ socket: Socket, backlog: Int32) throws(SocketError) {
    guard Glibc.listen(socket.descriptor, backlog) == 0 else { throw .last("listen") }
  }

  /// `accept4()`: takes one completed connection off the queue, already nonblocking.
  ///
  /// - Returns: the connected socket and the peer's address, or nil when none is waiting
  ///   (EAGAIN) or the peer gave up before we took it (ECONNABORTED).
  /// - Throws: for real trouble, such as EMFILE when we are out of descriptors.
  public func accept() throws(SocketError) -> (Socket, SocketAddress)? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let flags = Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
    let fd = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
        retryingOnInterrupt { barenet_accept4(socket.descriptor, pointer, &length, flags) }
      }
    }
    if fd < 0 {
      let error = SocketError.last("accept4")
      if error.wouldBlock || error.errno == ECONNABORTED || error.errno == EPROTO { return nil }
      throw error
    }
    guard let peer = SocketAddress(storage: storage) else {
      Glibc.close(fd)
      return nil
    }
    return (Socket(descriptor: fd), peer)
  }

  /// Closes the listening socket; connections already accepted are not affected.
  public func close() {
    socket.close()
  }
}
