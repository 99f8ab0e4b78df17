/// A resource record type (RFC 1035 §3.2.2 and later RFCs), by number, with its mnemonic.
public struct RecordType: Hashable, Sendable, CustomStringConvertible {
  public let rawValue: UInt16
  public init(_ rawValue: UInt16) { self.rawValue = rawValue }

  public static let a = RecordType(1)
  public static let ns = RecordType(2)
  public static let cname = RecordType(5)
  public static let soa = RecordType(6)
  public static let mb = RecordType(7)
  public static let ptr = RecordType(12)
  public static let hinfo = RecordType(13)
  public static let mx = RecordType(15)
  public static let txt = RecordType(16)
  public static let rt = RecordType(21)
  public static let sig = RecordType(24)
  public static let aaaa = RecordType(28)
  public static let loc = RecordType(29)
  public static let srv = RecordType(33)
  public static let naptr = RecordType(35)
  public static let kx = RecordType(36)
  public static let cert = RecordType(37)
  public static let dname = RecordType(39)
  public static let opt = RecordType(41)
  public static let ds = RecordType(43)
  public static let ipseckey = RecordType(45)
  public static let rrsig = RecordType(46)
  public static let nsec = RecordType(47)
  public static let dnskey = RecordType(48)
  public static let nsec3 = RecordType(50)
  public static let svcb = RecordType(64)
  public static let https = RecordType(65)
  public static let ixfr = RecordType(251)
  public static let axfr = RecordType(252)
  public static let any = RecordType(255)
  public static let caa = RecordType(257)

  /// Every mnemonic in IANA's registry that dig 9.18 reads and prints.
  static let names: [UInt16: String] = [
    1: "A", 2: "NS", 3: "MD", 4: "MF", 5: "CNAME", 6: "SOA", 7: "MB", 8: "MG", 9: "MR", 10: "NULL", 11: "WKS",
    12: "PTR", 13: "HINFO", 14: "MINFO", 15: "MX", 16: "TXT", 17: "RP", 18: "AFSDB", 19: "X25", 20: "ISDN", 21: "RT",
    22: "NSAP", 23: "NSAP-PTR", 24: "SIG", 25: "KEY", 26: "PX", 27: "GPOS", 28: "AAAA", 29: "LOC", 30: "NXT",
    31: "EID", 32: "NIMLOC", 33: "SRV", 34: "ATMA", 35: "NAPTR", 36: "KX", 37: "CERT", 38: "A6", 39: "DNAME",
    40: "SINK", 41: "OPT", 42: "APL", 43: "DS", 44: "SSHFP", 45: "IPSECKEY", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY",
    49: "DHCID", 50: "NSEC3", 51: "NSEC3PARAM", 52: "TLSA", 53: "SMIMEA", 55: "HIP", 56: "NINFO", 57: "RKEY",
    58: "TALINK", 59: "CDS", 60: "CDNSKEY", 61: "OPENPGPKEY", 62: "CSYNC", 63: "ZONEMD", 64: "SVCB", 65: "HTTPS",
    99: "SPF", 100: "UINFO", 101: "UID", 102: "GID", 103: "UNSPEC", 104: "NID", 105: "L32", 106: "L64", 107: "LP",
    108: "EUI48", 109: "EUI64", 249: "TKEY", 250: "TSIG", 251: "IXFR", 252: "AXFR", 253: "MAILB", 254: "MAILA",
    255: "ANY", 256: "URI", 257: "CAA", 258: "AVC", 259: "DOA", 260: "AMTRELAY", 32768: "TA", 32769: "DLV",
  ]
  static let numbers: [String: UInt16] = Dictionary(uniqueKeysWithValues: names.map { ($0.value, $0.key) })

  /// "A", "AAAA", or "TYPE65534" for types without a mnemonic (RFC 3597 §5).
  public var description: String { Self.names[rawValue] ?? "TYPE\(rawValue)" }

  /// Parses a mnemonic or TYPEnnn, case-insensitively.
  public init?(name: String) {
    let upper = name.uppercased()
    if let value = Self.numbers[upper] {
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
    8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE", 11: "DSOTYPENI", 16: "BADVERS", 17: "BADKEY", 18: "BADTIME",
    19: "BADMODE", 20: "BADNAME", 21: "BADALG", 22: "BADTRUNC", 23: "BADCOOKIE",
  ]

  /// "NOERROR", "NXDOMAIN", ... or "RESERVEDnn".
  public static func name(_ code: Int) -> String { names[code] ?? "RESERVED\(code)" }

  public static let noError = 0
  public static let formErr = 1
  public static let servFail = 2
  public static let nxDomain = 3
  public static let notImp = 4
  public static let refused = 5
  public static let yxDomain = 6
  public static let notAuth = 9
}
