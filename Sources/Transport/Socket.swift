import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// A socket descriptor: the handle every step of the socket recipes works on.
///
/// A plain value around the descriptor number. Whoever creates one owns it and must `close()`
/// it exactly once; `TCPListener`, `TCPConnection` and `UDPSocket` do that for their own.
public struct Socket: Sendable, Hashable {
  /// The kernel's descriptor number.
  public let descriptor: Int32

  /// Wraps a descriptor that the caller already owns (from `accept4`, say).
  public init(descriptor: Int32) {
    self.descriptor = descriptor
  }

  /// Step 1 of every recipe, `socket()`: a new nonblocking, close-on-exec socket.
  ///
  /// - Parameters:
  ///   - family: `AF_INET` or `AF_INET6`.
  ///   - type: `SOCK_STREAM` (TCP) or `SOCK_DGRAM` (UDP).
  public static func open(family: Int32, type: Int32) throws(SocketError) -> Socket {
    let flags = Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
    let fd = Glibc.socket(family, type | flags, 0)
    guard fd >= 0 else { throw .last("socket") }
    return Socket(descriptor: fd)
  }

  /// `setsockopt()` with an integer value, such as `SO_REUSEADDR` or `TCP_NODELAY`.
  public func setOption(level: Int32, name: Int32, value: Int32) throws(SocketError) {
    var value = value
    let rc = setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    guard rc == 0 else { throw .last("setsockopt") }
  }

  /// `bind()`: attaches the socket to a local address and port.
  public func bind(to address: SocketAddress) throws(SocketError) {
    let rc = address.withSockAddr { Glibc.bind(descriptor, $0, $1) }
    guard rc == 0 else { throw .last("bind") }
  }

  /// `getsockname()`: the local address, which tells the port the kernel chose for port 0.
  public func localAddress() throws(SocketError) -> SocketAddress {
    try queryAddress("getsockname", Glibc.getsockname)
  }

  /// `getpeername()`: the address of the other end of a connected socket.
  public func peerAddress() throws(SocketError) -> SocketAddress {
    try queryAddress("getpeername", Glibc.getpeername)
  }

  private func queryAddress(
    _ call: String,
    _ body: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
  ) throws(SocketError) -> SocketAddress {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let rc = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body(descriptor, $0, &length) }
    }
    guard rc == 0, let address = SocketAddress(storage: storage) else { throw .last(call) }
    return address
  }

  /// The last step, `close()`: gives the descriptor back to the kernel.
  ///
  /// Its result is not acted on, on purpose: on Linux the descriptor is released whatever
  /// `close` returns (EINTR included), so retrying could close a descriptor another thread has
  /// just been given, and a write error it reports belongs to data already handed over.
  public func close() {
    _ = Glibc.close(descriptor)
  }
}

extension Socket {
  /// `connect()`: starts the client recipe's connection to `address`.
  ///
  /// - Returns: true if connected at once, false if the nonblocking connect is under way
  ///   (EINPROGRESS): wait for writability, then read `pendingError()`.
  public func connect(to address: SocketAddress) throws(SocketError) -> Bool {
    let rc = address.withSockAddr { Glibc.connect(descriptor, $0, $1) }
    if rc == 0 { return true }
    if errno == EINPROGRESS || errno == EINTR { return false }
    throw .last("connect")
  }

  /// `getsockopt(SO_ERROR)`: the result of a nonblocking connect, 0 when it succeeded.
  public func pendingError() -> Int32 {
    var value: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    guard getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &value, &length) == 0 else { return errno }
    return value
  }
}
