/// A resource record type (RFC 1035 §3.2.2 and later RFCs), by number, with its mnemonic.
public struct RecordType: Hashable, Sendable, CustomStringConvertible {
  public let rawValue: UInt16
  public init(_ rawValue: UInt16) { self.rawValue = rawValue }

  public static let a = RecordType(1)
  public static let ns = RecordType(2)
  public static let cname = RecordType(5)
  public static let soa = RecordType(6)
  public static let ptr = RecordType(12)
  public static let hinfo = RecordType(13)
  public static let mx = RecordType(15)
  public static let txt = RecordType(16)
  public static let aaaa = RecordType(28)
  public static let srv = RecordType(33)
  public static let naptr = RecordType(35)
  public static let opt = RecordType(41)
  public static let ds = RecordType(43)
  public static let rrsig = RecordType(46)
  public static let nsec = RecordType(47)
  public static let dnskey = RecordType(48)
  public static let svcb = RecordType(64)
  public static let https = RecordType(65)
  public static let axfr = RecordType(252)
  public static let any = RecordType(255)
  public static let caa = RecordType(257)

  static let names: [UInt16: String] = [
    1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV",
    35: "NAPTR", 41: "OPT", 43: "DS", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 64: "SVCB", 65: "HTTPS", 252: "AXFR",
    255: "ANY", 257: "CAA",
  ]

  /// "A", "AAAA", or "TYPE65534" for types without a mnemonic (RFC 3597 §5).
  public var description: String { Self.names[rawValue] ?? "TYPE\(rawValue)" }

  /// Parses a mnemonic or TYPEnnn, case-insensitively.
  public init?(name: String) {
    let upper = name.uppercased()
    if let (value, _) = Self.names.first(where: { $0.value == upper }) {
      self.init(value)
    } else if upper.hasPrefix("TYPE"), let n = UInt16(upper.dropFirst(4)) {
      self.init(n)
    } else {
      return nil
    }
  }
}

/// A record class: IN almost always; CH and HS exist; CLASSnnn otherwise.
public struct RecordClass: Hashable, Sendable, CustomStringConvertible {
  public let rawValue: UInt16
  public init(_ rawValue: UInt16) { self.rawValue = rawValue }

  public static let `in` = RecordClass(1)
  public static let ch = RecordClass(3)
  public static let hs = RecordClass(4)
  public static let any = RecordClass(255)

  public var description: String {
    switch rawValue {
    case 1: "IN"
    case 3: "CH"
    case 4: "HS"
    case 254: "NONE"
    case 255: "ANY"
    default: "CLASS\(rawValue)"
    }
  }

  public init?(name: String) {
    switch name.uppercased() {
    case "IN": self = .in
    case "CH": self = .ch
    case "HS": self = .hs
    case "ANY": self = .any
    case let upper where upper.hasPrefix("CLASS"):
      guard let n = UInt16(upper.dropFirst(5)) else { return nil }
      self.init(n)
    default: return nil
    }
  }
}

/// Response codes (RFC 1035 §4.1.1, RFC 6895).
public enum ResponseCode {
  static let names = [
    0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED", 6: "YXDOMAIN", 7: "YXRRSET",
    8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE", 16: "BADVERS",
  ]

  /// "NOERROR", "NXDOMAIN", ... or "RESERVEDnn".
  public static func name(_ code: Int) -> String { names[code] ?? "RESERVED\(code)" }

  public static let noError = 0
  public static let formErr = 1
  public static let servFail = 2
  public static let nxDomain = 3
  public static let notImp = 4
  public static let refused = 5
}
