#if canImport(Glibc)
  import Glibc
#endif

/// IPv4 addresses in text and bytes, for A records and hints.
enum IPv4 {
  static func parse(_ text: String) -> [UInt8]? {
    var address = in_addr()
    guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
    return withUnsafeBytes(of: &address) { Array($0) }
  }

  static func format(_ bytes: some Collection<UInt8>) -> String {
    bytes.map { String($0) }.joined(separator: ".")
  }
}

/// IPv6 addresses in text and bytes, for AAAA records and hints (RFC 5952 text via inet_ntop).
enum IPv6 {
  static func parse(_ text: String) -> [UInt8]? {
    var address = in6_addr()
    guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
    return withUnsafeBytes(of: &address) { Array($0) }
  }

  static func format(_ bytes: some Collection<UInt8>) -> String {
    var address = in6_addr()
    withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: Array(bytes)) }
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
