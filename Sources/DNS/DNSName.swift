/// A domain name: a sequence of labels, each up to 63 bytes (RFC 1035 §3.1).
///
/// Labels are bytes, not text: any byte may appear, and presentation format escapes what is
/// not a plain printable character (`\.`, `\\`, `\DDD`). Comparison ignores ASCII case.
public struct DNSName: Hashable, Sendable, CustomStringConvertible {
  /// The labels, leftmost first, without the empty root label.
  public var labels: [[UInt8]]

  public init(labels: [[UInt8]]) {
    self.labels = labels
  }

  /// The root name, ".".
  public static let root = DNSName(labels: [])

  /// Why a name in presentation format could not be read.
  public struct ParseError: Error, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
  }

  /// Parses presentation format. A name without a final dot is relative to `origin` ("@" is
  /// the origin itself); without an origin it is taken as absolute, as dig does.
  public init(parsing text: String, origin: DNSName? = nil) throws(ParseError) {
    if text == "@" {
      guard let origin else { throw ParseError(reason: "'@' needs an origin") }
      self = origin
      return
    }
    if text == "." {
      self = .root
      return
    }
    guard !text.isEmpty else { throw ParseError(reason: "empty name") }
    var labels: [[UInt8]] = []
    var current: [UInt8] = []
    var absolute = false
    let bytes = Array(text.utf8)
    var i = 0
    while i < bytes.count {
      let b = bytes[i]
      if b == UInt8(ascii: ".") {
        guard !current.isEmpty else { throw ParseError(reason: "empty label in '\(text)'") }
        labels.append(current)
        current = []
        if i == bytes.count - 1 { absolute = true }
        i += 1
        continue
      }
      if b == UInt8(ascii: "\\") {
        guard i + 1 < bytes.count else { throw ParseError(reason: "dangling escape in '\(text)'") }
        if i + 3 < bytes.count, bytes[(i + 1)...(i + 3)].allSatisfy({ $0 >= 48 && $0 <= 57 }) {
          let value = bytes[(i + 1)...(i + 3)].reduce(0) { $0 * 10 + Int($1 - 48) }
          guard value <= 255 else { throw ParseError(reason: "escape \\\(value) is over 255") }
          current.append(UInt8(value))
          i += 4
        } else {
          current.append(bytes[i + 1])
          i += 2
        }
      } else {
        current.append(b)
        i += 1
      }
      guard current.count <= 63 else { throw ParseError(reason: "label longer than 63 bytes in '\(text)'") }
    }
    if !current.isEmpty { labels.append(current) }
    if !absolute, let origin { labels += origin.labels }
    self.labels = labels
    guard wireLength <= 255 else { throw ParseError(reason: "name longer than 255 bytes") }
  }

  /// The length on the wire, uncompressed.
  public var wireLength: Int { labels.reduce(1) { $0 + $1.count + 1 } }

  /// Presentation format with the final dot, escaping as dig does.
  public var description: String {
    if labels.isEmpty { return "." }
    var text = ""
    for label in labels {
      for b in label {
        switch b {
        case UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "("), UInt8(ascii: ")"),
          UInt8(ascii: ";"), UInt8(ascii: "@"), UInt8(ascii: "$"):
          text += "\\" + String(UnicodeScalar(b))
        case 0x21...0x7E:
          text.unicodeScalars.append(UnicodeScalar(b))
        default:
          text += "\\" + String(format3: Int(b))
        }
      }
      text += "."
    }
    return text
  }

  /// Whether this name equals `other` or lies below it (case-insensitive).
  public func isSubdomain(of other: DNSName) -> Bool {
    guard labels.count >= other.labels.count else { return false }
    return DNSName(labels: Array(labels.suffix(other.labels.count))) == other
  }

  /// Equal without regard to ASCII case, compared in place: names are compared and hashed on
  /// every lookup and every answer matched, so neither builds a lower-cased copy.
  public static func == (a: DNSName, b: DNSName) -> Bool {
    guard a.labels.count == b.labels.count else { return false }
    for (x, y) in zip(a.labels, b.labels) {
      guard x.count == y.count else { return false }
      for i in x.indices where asciiLower(x[i]) != asciiLower(y[i]) { return false }
    }
    return true
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(labels.count)
    for label in labels {
      hasher.combine(label.count)
      for byte in label { hasher.combine(asciiLower(byte)) }
    }
  }

  /// The reverse-lookup name for an IPv4 or IPv6 address (`dig -x`): 4.3.2.1.in-addr.arpa. or
  /// the nibbles under ip6.arpa.; nil if `address` is neither.
  public static func reverse(_ address: String) -> DNSName? {
    let parts = address.split(separator: ".", omittingEmptySubsequences: false)
    if parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) {
      return try? DNSName(parsing: parts.reversed().joined(separator: ".") + ".in-addr.arpa.")
    }
    guard let bytes = IPv6.parse(address) else { return nil }
    let hex = Array("0123456789abcdef")
    let nibbles = bytes.reversed().flatMap { [String(hex[Int($0 & 15)]), String(hex[Int($0 >> 4)])] }
    return try? DNSName(parsing: nibbles.joined(separator: ".") + ".ip6.arpa.")
  }
}

extension String {
  /// Three decimal digits, zero-padded ("\007").
  init(format3 n: Int) {
    self = n < 10 ? "00\(n)" : n < 100 ? "0\(n)" : "\(n)"
  }
}
