#if canImport(Glibc)
  import Glibc
#endif

extension SocketAddress {
  /// Every IPv4 and IPv6 address of this machine's interfaces (`getifaddrs`), with the
  /// interface's name: what a wildcard listener (0.0.0.0, ::) can actually be reached at.
  public static func interfaceAddresses() -> [(interface: String, address: SocketAddress)] {
    var list: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&list) == 0 else { return [] }
    defer { freeifaddrs(list) }
    var result: [(String, SocketAddress)] = []
    var cursor = list
    while let entry = cursor {
      defer { cursor = entry.pointee.ifa_next }
      guard let raw = entry.pointee.ifa_addr else { continue }
      let family = Int32(raw.pointee.sa_family)
      guard family == AF_INET || family == AF_INET6 else { continue }
      let size = family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
      var storage = sockaddr_storage()
      withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: size)) }
      if let address = SocketAddress(storage: storage) {
        result.append((String(cString: entry.pointee.ifa_name), address))
      }
    }
    return result
  }

  /// True for 0.0.0.0 and ::, which listen on every interface.
  public var isWildcard: Bool {
    switch self {
    case .v4(let a): return a.sin_addr.s_addr == 0
    case .v6(var a): return withUnsafeBytes(of: &a.sin6_addr) { $0.allSatisfy { $0 == 0 } }
    }
  }

  /// True for fe80::/10, which needs an interface scope to be reached and makes a poor URL.
  public var isLinkLocal: Bool {
    guard case .v6(var a) = self else { return false }
    return withUnsafeBytes(of: &a.sin6_addr) { $0[0] == 0xfe && $0[1] & 0xc0 == 0x80 }
  }
}
