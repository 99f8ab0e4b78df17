/// A zone read from an RFC 1035 §5 master file.
public struct Zone: Sendable {
  /// The zone's apex (the owner of its SOA).
  public var origin: DNSName
  /// Every record, in file order.
  public var records: [DNSRecord]

  /// The SOA record at the apex.
  public var soa: DNSRecord? { records.first { $0.type == .soa && $0.name == origin } }
}

/// Reads master files (RFC 1035 §5): `$ORIGIN`, `$INCLUDE`, `$TTL`, relative names, `@`,
/// omitted owners, TTL and class in either order, parentheses across lines, `;` comments,
/// quoted strings, and every record type this program presents, plus RFC 3597's `\# LEN HEX`
/// for any type.
///
/// Sans-I/O: the text comes in, and so does each `$INCLUDE`d file, through `include`.
public struct ZoneFileParser {
  /// A problem, with the file and line it was found on.
  public struct ParseError: Error, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let reason: String
    public var description: String { "\(file):\(line): \(reason)" }
  }

  /// A word of a logical line; quoted strings keep their quotes' meaning.
  struct Token: Equatable {
    var text: String
    var quoted: Bool
    /// The raw bytes for quoted strings (escapes resolved).
    var bytes: [UInt8]
  }

  /// Where a record was read, for errors found once the whole zone is known.
  struct Location {
    let file: String
    let line: Int
  }

  /// What carries from one line to the next: the origin, the default TTL, the last owner and
  /// TTL (RFC 1035 §5.1, RFC 2308 §4).
  struct State {
    var origin: DNSName?
    var defaultTTL: UInt32?
    var lastOwner: DNSName?
    var lastTTL: UInt32?
  }

  /// Files may include files, but not without end.
  static let deepestInclude = 8

  let file: String
  /// The text of an `$INCLUDE`d file by its path (see `includedPath`); nil when it cannot be
  /// read.
  let include: (_ path: String) -> String?

  public init(file: String, include: @escaping (_ path: String) -> String? = { _ in nil }) {
    self.file = file
    self.include = include
  }

  /// An included file's path: as written when absolute, else beside the file that includes
  /// it (so a zone and its pieces move together, wherever the server is started).
  public static func includedPath(_ path: String, from file: String) -> String {
    guard !path.hasPrefix("/"), let slash = file.lastIndex(of: "/") else { return path }
    return String(file[...slash]) + path
  }

  /// Parses the text of a zone file. `origin` is the zone name (used until `$ORIGIN`).
  /// The records of a master file that is not a zone (no SOA needed): root hints, say.
  public func records(_ text: String, origin: DNSName? = nil) throws(ParseError) -> [DNSRecord] {
    var state = State(origin: origin)
    var records: [(DNSRecord, Location)] = []
    try read(text, file: file, depth: 0, &state, into: &records)
    return records.map(\.0)
  }

  public func parse(_ text: String, origin: DNSName? = nil) throws(ParseError) -> Zone {
    var state = State(origin: origin)
    var records: [(DNSRecord, Location)] = []
    try read(text, file: file, depth: 0, &state, into: &records)
    guard let soa = records.first(where: { $0.0.type == .soa })?.0 else {
      throw ParseError(file: file, line: 1, reason: "the zone has no SOA record")
    }
    for (record, at) in records {
      if record.type == .soa && record != soa {
        throw ParseError(file: at.file, line: at.line, reason: "a second SOA record (there is one per zone)")
      }
      if !record.name.isSubdomain(of: soa.name) {
        throw ParseError(file: at.file, line: at.line, reason: "\(record.name) is outside the zone \(soa.name)")
      }
    }
    try checkCNAMEs(records)
    return Zone(origin: soa.name, records: records.map(\.0))
  }

  /// A CNAME stands alone at its name (RFC 1034 §3.6.2, RFC 2181 §10.1): other data beside it,
  /// or a second CNAME, is an error in the zone, reported at the later of the two.
  func checkCNAMEs(_ records: [(DNSRecord, Location)]) throws(ParseError) {
    var types: [DNSName: (cname: Bool, other: Bool)] = [:]
    for (record, at) in records {
      var seen = types[record.name] ?? (false, false)
      // RFC 4035 lets DNSSEC's own records share a CNAME's name.
      let exempt = record.type == .rrsig || record.type == .nsec
      if record.type == .cname {
        if seen.cname {
          throw ParseError(file: at.file, line: at.line, reason: "\(record.name) has more than one CNAME")
        }
        if seen.other {
          throw ParseError(file: at.file, line: at.line, reason: "CNAME at \(record.name), which has other data")
        }
        seen.cname = true
      } else if !exempt {
        if seen.cname {
          throw ParseError(
            file: at.file, line: at.line, reason: "\(record.type) at \(record.name), which has a CNAME")
        }
        seen.other = true
      }
      types[record.name] = seen
    }
  }

  /// Reads one file's lines into `records`, following `$INCLUDE`s.
  ///
  /// One piece: the directives and the owner, TTL and class that carry over from line to line are state of this one loop.
  func read(
    _ text: String, file: String, depth: Int, _ state: inout State, into records: inout [(DNSRecord, Location)]
  ) throws(ParseError) {
    for (lineNumber, tokens, startsWithSpace) in try logicalLines(text, file: file) {
      func fail(_ reason: String) -> ParseError { ParseError(file: file, line: lineNumber, reason: reason) }
      guard let first = tokens.first else { continue }
      if !first.quoted && first.text.hasPrefix("$") {
        switch first.text.uppercased() {
        case "$ORIGIN":
          guard tokens.count >= 2 else { throw fail("$ORIGIN needs a name") }
          do { state.origin = try DNSName(parsing: tokens[1].text, origin: state.origin) } catch {
            throw fail(error.reason)
          }
        case "$TTL":
          guard tokens.count >= 2, let ttl = Self.ttl(tokens[1].text) else { throw fail("$TTL needs a number") }
          state.defaultTTL = ttl
        case "$INCLUDE":
          try includeFile(tokens, from: file, depth: depth, &state, into: &records, fail: fail)
        default:
          throw fail("\(first.text) is not supported")
        }
        continue
      }
      let record = try self.record(tokens, startsWithSpace: startsWithSpace, &state, fail: fail)
      records.append((record, Location(file: file, line: lineNumber)))
    }
  }

  /// `$INCLUDE FILE [ORIGIN]` (RFC 1035 §5.1): the file is read with that origin, and the origin
  /// and owner in force before it come back after it.
  func includeFile(
    _ tokens: [Token], from file: String, depth: Int, _ state: inout State,
    into records: inout [(DNSRecord, Location)], fail: (String) -> ParseError
  ) throws(ParseError) {
    guard tokens.count >= 2 else { throw fail("$INCLUDE needs a file name") }
    guard depth < Self.deepestInclude else { throw fail("$INCLUDE nested more than \(Self.deepestInclude) deep") }
    let path = Self.includedPath(tokens[1].text, from: file)
    guard let text = include(path) else { throw fail("cannot read included file '\(path)'") }
    let saved = state
    if tokens.count >= 3 {
      do { state.origin = try DNSName(parsing: tokens[2].text, origin: state.origin) } catch {
        throw fail(error.reason)
      }
    }
    try read(text, file: path, depth: depth + 1, &state, into: &records)
    state.origin = saved.origin
    state.lastOwner = saved.lastOwner
  }

  /// One record line: owner (or the last one), TTL and class in either order, type, RDATA.
  func record(_ tokens: [Token], startsWithSpace: Bool, _ state: inout State, fail: (String) -> ParseError)
    throws(ParseError) -> DNSRecord
  {
    var rest = tokens[...]
    let owner: DNSName
    if startsWithSpace {
      guard let lastOwner = state.lastOwner else { throw fail("the first record needs an owner name") }
      owner = lastOwner
    } else {
      let text = rest.removeFirst().text
      if state.origin == nil && !text.hasSuffix(".") {
        throw fail("owner '\(text)' is relative, and no $ORIGIN is set")
      }
      do { owner = try DNSName(parsing: text, origin: state.origin) } catch { throw fail(error.reason) }
    }
    state.lastOwner = owner
    var ttl: UInt32?
    var recordClass = RecordClass.in
    var type: RecordType?
    while let token = rest.first, type == nil {
      rest.removeFirst()
      if let t = Self.ttl(token.text), ttl == nil {
        ttl = t
      } else if let c = RecordClass(name: token.text) {
        recordClass = c
      } else if let t = RecordType(name: token.text) {
        type = t
      } else {
        throw fail("'\(token.text)' is not a TTL, class or record type")
      }
    }
    guard let type else { throw fail("no record type") }
    let rdata: [UInt8]
    do {
      rdata = try RecordData.parse(type, Array(rest), origin: state.origin)
    } catch {
      throw fail("\(type): \(error.reason)")
    }
    var recordTTL = ttl ?? state.defaultTTL ?? state.lastTTL
    if type == .soa && recordTTL == nil {
      recordTTL = UInt32(rdata.suffix(4).reduce(0) { $0 << 8 | UInt32($1) })
    }
    guard let finalTTL = recordTTL else { throw fail("no TTL (add $TTL or a TTL on the record)") }
    state.lastTTL = finalTTL
    return DNSRecord(name: owner, type: type, recordClass: recordClass, ttl: finalTTL, rdata: rdata)
  }

  /// TTLs as numbers or with BIND's units ("3600", "1h30m", "2d").
  static func ttl(_ text: String) -> UInt32? {
    guard let first = text.first, first.isASCII, first.isNumber else { return nil }
    if let n = UInt32(text) { return n }
    let units: [Character: UInt64] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
    var total: UInt64 = 0
    var number: UInt64 = 0
    var digits = 0
    for c in text.lowercased() {
      if c.isASCII, let d = c.wholeNumberValue {
        number = number * 10 + UInt64(d)
        digits += 1
        guard number < 1 << 32 else { return nil }
        continue
      }
      guard digits > 0, let unit = units[c] else { return nil }
      total += number * unit
      number = 0
      digits = 0
    }
    guard digits == 0, total < 1 << 32 else { return nil }
    return UInt32(total)
  }

  /// Splits the text into logical lines (parentheses join lines), with comments removed.
  ///
  /// One piece: a tokenizer whose states (quotes, escapes, parentheses, comments) belong together.
  func logicalLines(_ text: String, file: String) throws(ParseError) -> [(Int, [Token], Bool)] {
    var result: [(Int, [Token], Bool)] = []
    var tokens: [Token] = []
    var depth = 0
    var openedAt = 0
    var startLine = 1
    var startsWithSpace = false
    var line = 1
    let bytes = Array(text.utf8)
    var i = 0
    var atLineStart = true
    func flush() {
      if !tokens.isEmpty { result.append((startLine, tokens, startsWithSpace)) }
      tokens = []
    }
    while i < bytes.count {
      let b = bytes[i]
      if atLineStart && depth == 0 {
        startLine = line
        startsWithSpace = b == UInt8(ascii: " ") || b == UInt8(ascii: "\t")
        atLineStart = false
      }
      switch b {
      case UInt8(ascii: "\n"):
        line += 1
        if depth == 0 {
          flush()
          atLineStart = true
        }
        i += 1
      case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
        i += 1
      case UInt8(ascii: ";"):
        while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { i += 1 }
      case UInt8(ascii: "("):
        if depth == 0 { openedAt = line }
        depth += 1
        i += 1
      case UInt8(ascii: ")"):
        guard depth > 0 else { throw ParseError(file: file, line: line, reason: "')' without '('") }
        depth -= 1
        i += 1
      case UInt8(ascii: "\""):
        var value: [UInt8] = []
        i += 1
        while true {
          guard i < bytes.count else { throw ParseError(file: file, line: line, reason: "unterminated quoted string") }
          let c = bytes[i]
          if c == UInt8(ascii: "\"") {
            i += 1
            break
          }
          if c == UInt8(ascii: "\n") { line += 1 }
          if c == UInt8(ascii: "\\") && i + 1 < bytes.count {
            if i + 3 < bytes.count, bytes[(i + 1)...(i + 3)].allSatisfy({ $0 >= 48 && $0 <= 57 }) {
              let v = bytes[(i + 1)...(i + 3)].reduce(0) { $0 * 10 + Int($1 - 48) }
              guard v <= 255 else { throw ParseError(file: file, line: line, reason: "escape over 255") }
              value.append(UInt8(v))
              i += 4
            } else {
              value.append(bytes[i + 1])
              i += 2
            }
            continue
          }
          value.append(c)
          i += 1
        }
        tokens.append(Token(text: String(decoding: value, as: UTF8.self), quoted: true, bytes: value))
      default:
        var word: [UInt8] = []
        while i < bytes.count {
          let c = bytes[i]
          if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r")
            || c == UInt8(ascii: ";") || c == UInt8(ascii: "(") || c == UInt8(ascii: ")") || c == UInt8(ascii: "\"")
          {
            break
          }
          if c == UInt8(ascii: "\\") && i + 1 < bytes.count {
            word += bytes[i...(i + 1)]
            i += 2
            continue
          }
          word.append(c)
          i += 1
        }
        tokens.append(Token(text: String(decoding: word, as: UTF8.self), quoted: false, bytes: word))
      }
    }
    guard depth == 0 else { throw ParseError(file: file, line: openedAt, reason: "'(' without ')'") }
    flush()
    return result
  }
}
