import ServerCore

/// The types whose presentation is not a plain run of fields: LOC (RFC 1876), CERT (RFC 4398)
/// and IPSECKEY (RFC 4025), printed as dig prints them and parsed as BIND and NSD read them.
extension RecordData {
  // MARK: LOC

  /// 2^31: the equator and the prime meridian; 10,000,000 cm: 100 km below the WGS 84 spheroid.
  static let locEquator: Int64 = 1 << 31
  static let locAltitudeBase: Int64 = 10_000_000

  static func presentLOC(_ d: [UInt8]) throws(DNSWireError) -> String {
    var r = WireReader(d)
    guard d.count == 16, try r.u8() == 0 else { throw .badRecordData(type: 29, at: 0) }
    let size = try r.u8()
    let horizontal = try r.u8()
    let vertical = try r.u8()
    let latitude = Int64(try r.u32()) - locEquator
    let longitude = Int64(try r.u32()) - locEquator
    let altitude = Int64(try r.u32()) - locAltitudeBase
    func angle(_ value: Int64, _ positive: String, _ negative: String) -> String {
      let v = abs(value)
      let ms = v % 1000
      let padded = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
      return "\(v / 3_600_000) \(v / 60000 % 60) \(v / 1000 % 60).\(padded) \(value >= 0 ? positive : negative)"
    }
    func precision(_ byte: UInt8) -> String {
      let mantissa = Int64(byte >> 4)
      let exponent = Int(byte & 0x0F)
      if exponent >= 2 { return "\(mantissa * power(exponent - 2))m" }
      let cm = mantissa * power(exponent)
      return "0.\(cm < 10 ? "0" : "")\(cm)m"
    }
    let a = abs(altitude)
    let altitudeText = "\(altitude < 0 ? "-" : "")\(a / 100).\(a % 100 < 10 ? "0" : "")\(a % 100)m"
    return [
      angle(latitude, "N", "S"), angle(longitude, "E", "W"), altitudeText, precision(size), precision(horizontal),
      precision(vertical),
    ].joined(separator: " ")
  }

  static func power(_ exponent: Int) -> Int64 {
    (0..<exponent).reduce(1) { result, _ in result * 10 }
  }

  /// `d [m [s]] N|S d [m [s]] E|W alt[m] [size[m] [hp[m] [vp[m]]]]`; size 1 m, horizontal
  /// precision 10 km and vertical 10 m when left out (RFC 1876 §3).
  static func parseLOC(_ t: inout ArraySlice<ZoneFileParser.Token>) throws(ParseError) -> [UInt8] {
    func fail() -> ParseError { ParseError(reason: "not a location (d [m [s]] N|S d [m [s]] E|W alt[m] ...)") }
    func coordinate(_ hemispheres: (String, String), limit: Int64) throws(ParseError) -> Int64 {
      var parts: [Int64] = []
      while let token = t.first, token.text.uppercased() != hemispheres.0, token.text.uppercased() != hemispheres.1 {
        guard parts.count < 3, let v = decimal(token.text, places: parts.count == 2 ? 3 : 0) else { throw fail() }
        parts.append(v)
        t.removeFirst()
      }
      guard let hemisphere = t.popFirst()?.text.uppercased(), !parts.isEmpty else { throw fail() }
      let value = parts[0] * 3_600_000 + (parts.count > 1 ? parts[1] * 60000 : 0) + (parts.count > 2 ? parts[2] : 0)
      guard value <= limit * 3_600_000 else { throw fail() }
      return hemisphere == hemispheres.0 ? value : -value
    }
    let latitude = try coordinate(("N", "S"), limit: 90)
    let longitude = try coordinate(("E", "W"), limit: 180)
    func meters(_ text: String?) throws(ParseError) -> Int64 {
      guard let text, let cm = decimal(text.hasSuffix("m") ? String(text.dropLast()) : text, places: 2) else {
        throw fail()
      }
      return cm
    }
    let altitude = try meters(t.popFirst()?.text)
    var precisions: [Int64] = [100, 1_000_000, 1000]
    for i in 0..<3 {
      guard let token = t.popFirst() else { break }
      precisions[i] = try meters(token.text)
    }
    guard altitude + locAltitudeBase >= 0, altitude + locAltitudeBase <= Int64(UInt32.max),
      precisions.allSatisfy({ $0 >= 0 && $0 <= 9_000_000_000 })
    else { throw fail() }
    var w = WireWriter(compress: false)
    w.u8(0)
    for cm in precisions {
      var exponent = 0
      var mantissa = cm
      while mantissa > 9 {
        mantissa /= 10
        exponent += 1
      }
      w.u8(UInt8(mantissa << 4) | UInt8(exponent))
    }
    w.u32(UInt32(locEquator + latitude))
    w.u32(UInt32(locEquator + longitude))
    w.u32(UInt32(altitude + locAltitudeBase))
    return w.bytes
  }

  /// "23.5" with `places` decimals as an integer (23500 for 3 places); nil when not a number.
  static func decimal(_ text: String, places: Int) -> Int64? {
    let negative = text.hasPrefix("-")
    let body = negative ? text.dropFirst() : Substring(text)
    let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard let whole = Int64(parts[0].isEmpty ? "0" : parts[0]), whole >= 0, whole < 1 << 40 else { return nil }
    var fraction: Int64 = 0
    if parts.count == 2 {
      let digits = parts[1]
      guard digits.count <= places, digits.allSatisfy(\.isASCII), let f = Int64(digits.isEmpty ? "0" : digits) else {
        return nil
      }
      fraction = f * power(places - digits.count)
    }
    let value = whole * power(places) + fraction
    return negative ? -value : value
  }

  // MARK: CERT

  static let certificateTypes: [UInt16: String] = [
    1: "PKIX", 2: "SPKI", 3: "PGP", 4: "IPKIX", 5: "ISPKI", 6: "IPGP", 7: "ACPKIX", 8: "IACPKIX", 253: "URI",
    254: "OID",
  ]
  static let securityAlgorithms: [UInt8: String] = [
    1: "RSAMD5", 2: "DH", 3: "DSA", 5: "RSASHA1", 6: "NSEC3DSA", 7: "NSEC3RSASHA1", 8: "RSASHA256", 10: "RSASHA512",
    12: "ECCGOST", 13: "ECDSAP256SHA256", 14: "ECDSAP384SHA384", 15: "ED25519", 16: "ED448", 252: "INDIRECT",
    253: "PRIVATEDNS", 254: "PRIVATEOID",
  ]

  static func presentCERT(_ r: inout WireReader) throws(DNSWireError) -> String {
    let type = try r.u16()
    let tag = try r.u16()
    let algorithm = try r.u8()
    let certificate = chunked(Base64.encode(try r.take(r.remaining)))
    return "\(certificateTypes[type] ?? String(type)) \(tag) \(securityAlgorithms[algorithm] ?? String(algorithm)) "
      + certificate
  }

  static func parseCERT(_ t: inout ArraySlice<ZoneFileParser.Token>) throws(ParseError) -> [UInt8] {
    guard let typeText = t.popFirst()?.text.uppercased(), let tagText = t.popFirst()?.text,
      let algorithmText = t.popFirst()?.text.uppercased()
    else { throw ParseError(reason: "missing certificate type, key tag or algorithm") }
    guard let type = certificateTypes.first(where: { $0.value == typeText })?.key ?? UInt16(typeText),
      let tag = UInt16(tagText),
      let algorithm = securityAlgorithms.first(where: { $0.value == algorithmText })?.key ?? UInt8(algorithmText),
      let certificate = Base64.decode(t.map(\.text).joined())
    else { throw ParseError(reason: "not a certificate (TYPE TAG ALGORITHM BASE64)") }
    t.removeAll()
    var w = WireWriter(compress: false)
    w.u16(type)
    w.u16(tag)
    w.u8(algorithm)
    w.append(certificate)
    return w.bytes
  }

  // MARK: IPSECKEY

  static func presentIPSECKEY(_ r: inout WireReader) throws(DNSWireError) -> String {
    let precedence = try r.u8()
    let gatewayType = try r.u8()
    let algorithm = try r.u8()
    let gateway: String
    switch gatewayType {
    case 0: gateway = "."
    case 1: gateway = IPv4.format(try r.take(4))
    case 2: gateway = IPv6.format(try r.take(16))
    case 3: gateway = try r.name().description
    default: throw .badRecordData(type: 45, at: 1)
    }
    let key = r.remaining > 0 ? " " + chunked(Base64.encode(try r.take(r.remaining))) : ""
    return "\(precedence) \(gatewayType) \(algorithm) \(gateway)\(key)"
  }

  static func parseIPSECKEY(_ t: inout ArraySlice<ZoneFileParser.Token>, origin: DNSName?) throws(ParseError)
    -> [UInt8]
  {
    let fail = ParseError(reason: "not an IPSECKEY (PRECEDENCE GATEWAY-TYPE ALGORITHM GATEWAY [KEY])")
    guard let precedence = t.popFirst().flatMap({ UInt8($0.text) }),
      let gatewayType = t.popFirst().flatMap({ UInt8($0.text) }),
      let algorithm = t.popFirst().flatMap({ UInt8($0.text) }),
      let gatewayText = t.popFirst()?.text
    else { throw fail }
    var w = WireWriter(compress: false)
    w.u8(precedence)
    w.u8(gatewayType)
    w.u8(algorithm)
    switch gatewayType {
    case 0: guard gatewayText == "." else { throw fail }
    case 1, 2:
      guard let address = gatewayType == 1 ? IPv4.parse(gatewayText) : IPv6.parse(gatewayText) else { throw fail }
      w.append(address)
    case 3:
      do { w.name(try DNSName(parsing: gatewayText, origin: origin)) } catch { throw fail }
    default: throw fail
    }
    if !t.isEmpty {
      guard let key = Base64.decode(t.map(\.text).joined()) else { throw fail }
      t.removeAll()
      w.append(key)
    }
    return w.bytes
  }
}
