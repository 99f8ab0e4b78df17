import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// An IPv4 or IPv6 socket address: what `bind`, `connect`, `accept` and `recvfrom` speak.
///
/// It wraps the C `sockaddr_in`/`sockaddr_in6` so callers never juggle casts or lengths.
public enum SocketAddress: Equatable, Hashable, Sendable, CustomStringConvertible {
  case v4(sockaddr_in)
  case v6(sockaddr_in6)

  /// Parses a numeric address ("127.0.0.1", "::1", "::") with a port.
  ///
  /// Names are not resolved here: a server binds to an address, not a hostname.
  public init(host: String, port: UInt16) throws(SocketError) {
    var v4 = sockaddr_in()
    if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
      v4.sin_family = sa_family_t(AF_INET)
      v4.sin_port = port.bigEndian
      self = .v4(v4)
      return
    }
    var literal = host
    if literal.hasPrefix("[") && literal.hasSuffix("]") {
      literal = String(literal.dropFirst().dropLast())
    }
    var v6 = sockaddr_in6()
    if inet_pton(AF_INET6, literal, &v6.sin6_addr) == 1 {
      v6.sin6_family = sa_family_t(AF_INET6)
      v6.sin6_port = port.bigEndian
      self = .v6(v6)
      return
    }
    throw SocketError("inet_pton", errno: EINVAL)
  }

  /// Reads the address the kernel filled into a `sockaddr_storage` (after accept, recvfrom,
  /// getsockname). Returns nil for families other than IPv4 and IPv6.
  public init?(storage: sockaddr_storage) {
    var storage = storage
    switch Int32(storage.ss_family) {
    case AF_INET:
      self = withUnsafeBytes(of: &storage) { .v4($0.load(as: sockaddr_in.self)) }
    case AF_INET6:
      self = withUnsafeBytes(of: &storage) { .v6($0.load(as: sockaddr_in6.self)) }
    default:
      return nil
    }
  }

  /// The address family, for `socket(family, ...)`.
  public var family: Int32 {
    switch self {
    case .v4: AF_INET
    case .v6: AF_INET6
    }
  }

  /// The port in host byte order.
  public var port: UInt16 {
    switch self {
    case .v4(let a): UInt16(bigEndian: a.sin_port)
    case .v6(let a): UInt16(bigEndian: a.sin6_port)
    }
  }

  /// The same address with another port.
  public func with(port: UInt16) -> SocketAddress {
    switch self {
    case .v4(var a):
      a.sin_port = port.bigEndian
      return .v4(a)
    case .v6(var a):
      a.sin6_port = port.bigEndian
      return .v6(a)
    }
  }

  /// The numeric host part, without brackets ("127.0.0.1", "::1").
  ///
  /// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, what a dual-stack listener reports for an
  /// IPv4 peer) is shown as plain IPv4, which is what people read in logs.
  public var host: String {
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    switch self {
    case .v4(var a):
      _ = inet_ntop(AF_INET, &a.sin_addr, &buffer, socklen_t(buffer.count))
    case .v6(var a):
      if let mapped = unmappedIPv4 {
        return mapped.host
      }
      _ = inet_ntop(AF_INET6, &a.sin6_addr, &buffer, socklen_t(buffer.count))
    }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The IPv4 address inside an IPv4-mapped IPv6 address, if this is one.
  public var unmappedIPv4: SocketAddress? {
    guard case .v6(var a) = self else { return nil }
    let bytes = withUnsafeBytes(of: &a.sin6_addr) { Array($0) }
    guard bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff else {
      return nil
    }
    var v4 = sockaddr_in()
    v4.sin_family = sa_family_t(AF_INET)
    v4.sin_port = a.sin6_port
    withUnsafeMutableBytes(of: &v4.sin_addr) { $0.copyBytes(from: bytes[12..<16]) }
    return .v4(v4)
  }

  /// True for 127.0.0.0/8 and ::1 (and their IPv4-mapped forms): traffic that never leaves the
  /// machine. The wildcard addresses (0.0.0.0, ::) are not loopback: they accept from anywhere.
  public var isLoopback: Bool {
    switch unmappedIPv4 ?? self {
    case .v4(let a): return UInt32(bigEndian: a.sin_addr.s_addr) >> 24 == 127
    case .v6(var a):
      let bytes = withUnsafeBytes(of: &a.sin6_addr) { Array($0) }
      return bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
    }
  }

  /// True when both addresses name the same host (ports ignored), comparing an IPv4-mapped
  /// IPv6 address equal to its IPv4 form.
  public func sameHost(as other: SocketAddress) -> Bool {
    let a = unmappedIPv4 ?? self
    let b = other.unmappedIPv4 ?? other
    switch (a, b) {
    case (.v4(let x), .v4(let y)): return x.sin_addr.s_addr == y.sin_addr.s_addr
    case (.v6(var x), .v6(var y)):
      return withUnsafeBytes(of: &x.sin6_addr) { xb in
        withUnsafeBytes(of: &y.sin6_addr) { yb in xb.elementsEqual(yb) }
      }
    default: return false
    }
  }

  /// "127.0.0.1:8080" or "[::1]:8080".
  public var description: String {
    switch self {
    case .v4: "\(host):\(port)"
    case .v6: unmappedIPv4?.description ?? "[\(host)]:\(port)"
    }
  }

  /// Calls `body` with a `sockaddr` pointer and length, as `bind`, `connect` and `sendto` want.
  public func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
    switch self {
    case .v4(var a):
      return try withUnsafePointer(to: &a) {
        try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
    case .v6(var a):
      return try withUnsafePointer(to: &a) {
        try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
      }
    }
  }

  public static func == (lhs: SocketAddress, rhs: SocketAddress) -> Bool {
    lhs.port == rhs.port && lhs.sameHost(as: rhs)
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(port)
    hasher.combine((unmappedIPv4 ?? self).host)
  }
}
