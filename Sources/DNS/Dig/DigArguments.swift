/// One query of a `barenet dns` run: what to ask.
public struct DigQuery: Equatable, Sendable {
  public var name: DNSName
  public var type: RecordType
  public var recordClass: RecordClass
  /// For `IXFR=SERIAL`: the serial the client has (RFC 1995 §3).
  public var serial: UInt32? = nil

  /// Whether this asks for a zone transfer (AXFR or IXFR), which goes over TCP.
  public var isTransfer: Bool { type.isTransfer }
}

extension RecordType {
  /// AXFR and IXFR: types that ask for a zone transfer, not for records.
  public var isTransfer: Bool { self == .axfr || self == .ixfr }
}

/// The settings of a `barenet dns` run, read from dig's command-line syntax.
public struct DigOptions: Equatable, Sendable {
  public var server: String?
  public var port: UInt16 = 53
  public var short = false
  public var tcp = false
  public var recurse = true
  /// Seconds to wait for each try.
  public var timeout = 5.0
  /// Tries over UDP before giving up.
  public var tries = 3
  public var bufsize: UInt16 = 1232
  public var edns = true
  public var json = false
  public var layers = false
  public var hex = false
  public var ignoreTruncation = false
  /// +dnssec: set the DO bit, asking for DNSSEC records.
  public var dnssec = false
  public var batchFile: String?
  /// +trace: resolve iteratively from the root, printing each referral.
  public var trace = false
  /// --root-hints FILE: the root servers for +trace (IANA's when nil).
  public var rootHints: String?
  /// +tls: DNS over TLS (RFC 7858), on port 853 unless -p says otherwise.
  public var tls = false
  /// +tls-ca[=FILE]: check the server's certificate, against FILE or the system's CAs ("").
  public var tlsCA: String?
  /// +tls-hostname=NAME: the name the certificate must hold (else the server as given).
  public var tlsHostname: String?
  /// Whether -p was given (+tls changes the default port only).
  public var portGiven = false
  public var queries: [DigQuery] = []

  public init() {}
}

/// dig's command-line syntax: `[@SERVER] [-p PORT] [-x ADDR] [-t TYPE] [-c CLASS] [-f FILE]
/// NAME [TYPE|IXFR=SERIAL] [CLASS] [+short] [+tcp] [+norecurse] [+time=S] [+tries=N] [+bufsize=N]
/// [+noedns] [+json] [+layers] [+hex]`. Sans-I/O, so each rule is unit-tested.
public enum DigArguments {
  public struct UsageError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
  }

  /// Parses `arguments` (without the program and subcommand name). `defaults` carries global
  /// options into the lines of a batch file.
  ///
  /// One piece: dig's grammar is one flat list of words (@server, -opt, +opt, name, type, class) read left to right, and the order of the cases is the order dig gives them.
  public static func parse(_ arguments: [String], defaults: DigOptions = DigOptions()) throws(UsageError) -> DigOptions
  {
    var options = defaults
    options.queries = []
    var name: DNSName?
    var type: RecordType?
    var recordClass: RecordClass?
    var reverse = false
    var serial: UInt32?
    var i = 0
    func value(_ flag: String) throws(UsageError) -> String {
      i += 1
      guard i < arguments.count else { throw UsageError(message: "\(flag) needs a value") }
      return arguments[i]
    }
    func finishQuery() {
      if let name {
        options.queries.append(
          DigQuery(name: name, type: type ?? (reverse ? .ptr : .a), recordClass: recordClass ?? .in, serial: serial))
      }
      name = nil
      type = nil
      serial = nil
      recordClass = nil
      reverse = false
    }
    while i < arguments.count {
      let argument = arguments[i]
      if argument.hasPrefix("@") {
        options.server = String(argument.dropFirst())
        guard options.server?.isEmpty == false else { throw UsageError(message: "@ needs a server") }
      } else if argument.hasPrefix("+") {
        try plusOption(String(argument.dropFirst()), &options)
      } else if argument.hasPrefix("-") && argument.count > 1 {
        switch argument {
        case "-p":
          let text = try value("-p")
          guard let port = UInt16(text) else { throw UsageError(message: "invalid port '\(text)'") }
          options.port = port
          options.portGiven = true
        case "-t":
          let text = try value("-t")
          guard let t = RecordType(name: text) else { throw UsageError(message: "invalid type '\(text)'") }
          type = t
        case "-c":
          let text = try value("-c")
          guard let c = RecordClass(name: text) else { throw UsageError(message: "invalid class '\(text)'") }
          recordClass = c
        case "-x":
          let text = try value("-x")
          if name != nil { finishQuery() }
          guard let reversed = DNSName.reverse(text) else { throw UsageError(message: "invalid address '\(text)'") }
          name = reversed
          reverse = true
        case "-f":
          options.batchFile = try value("-f")
        case "--root-hints":
          options.rootHints = try value("--root-hints")
        case "-4", "-6":
          break
        default:
          throw UsageError(message: "invalid option: \(argument)")
        }
      } else if let t = RecordType(name: argument), type == nil, t != .opt {
        type = t
      } else if argument.uppercased().hasPrefix("IXFR="), type == nil {
        guard let n = UInt32(argument.dropFirst(5)) else {
          throw UsageError(message: "invalid IXFR serial '\(argument)'")
        }
        type = .ixfr
        serial = n
      } else if let c = RecordClass(name: argument), recordClass == nil {
        recordClass = c
      } else {
        if name != nil { finishQuery() }
        do {
          name = try DNSName(parsing: argument.hasSuffix(".") ? argument : argument + ".")
        } catch {
          throw UsageError(message: "invalid name '\(argument)': \(error.reason)")
        }
      }
      i += 1
    }
    if name == nil && options.queries.isEmpty && options.batchFile == nil {
      // Like dig, no name means the root's NS records.
      name = .root
      type = type ?? .ns
    }
    finishQuery()
    if options.tls && !options.portGiven { options.port = 853 }
    return options
  }

  /// The queries of a batch file (`-f`): one dig command line each, `;` and `#` lines skipped,
  /// each with the global options as its defaults. A line that is only "NAME [TYPE]" (the usual
  /// case, thousands of times) is read without the full grammar. Errors start with the line
  /// number.
  public static func batch(_ text: String, defaults: DigOptions) throws(UsageError) -> [(DigOptions, DigQuery)] {
    var base = defaults
    base.queries = []
    var jobs: [(DigOptions, DigQuery)] = []
    for (number, line) in text.split(separator: "\n").enumerated() {
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
      guard let first = words.first, first.first != ";", first.first != "#" else { continue }
      if words.count <= 2, !"+-@".contains(first.first!), RecordType(name: String(first)) == nil,
        let type = words.count == 2 ? RecordType(name: String(words[1])) : .a, type != .opt, !type.isTransfer,
        let name = try? DNSName(parsing: first.hasSuffix(".") ? String(first) : first + ".")
      {
        jobs.append((base, DigQuery(name: name, type: type, recordClass: .in)))
        continue
      }
      do {
        let options = try parse(words.map(String.init), defaults: defaults)
        jobs += options.queries.map { (options, $0) }
      } catch {
        throw UsageError(message: "\(number + 1): \(error)")
      }
    }
    return jobs
  }

  static func plusOption(_ text: String, _ options: inout DigOptions) throws(UsageError) {
    let negated = text.lowercased().hasPrefix("no")
    let body = negated ? String(text.dropFirst(2)) : text
    let parts = body.split(separator: "=", maxSplits: 1).map(String.init)
    let key = parts.first?.lowercased() ?? ""
    let argument = parts.count > 1 ? parts[1] : nil
    func number(_ range: ClosedRange<Int>) throws(UsageError) -> Int {
      guard let argument, let n = Int(argument), range.contains(n) else {
        throw UsageError(message: "invalid value for +\(key): '\(argument ?? "")'")
      }
      return n
    }
    switch key {
    case "short": options.short = !negated
    case "tcp", "vc": options.tcp = !negated
    case "recurse", "rec": options.recurse = !negated
    case "time", "timeout": options.timeout = Double(try number(1...300))
    case "tries": options.tries = try number(1...100)
    case "retry": options.tries = try number(0...99) + 1
    case "bufsize": options.bufsize = UInt16(try number(0...65535))
    case "edns": options.edns = !negated
    case "json": options.json = !negated
    case "layers": options.layers = !negated
    case "hex": options.hex = !negated
    case "ignore": options.ignoreTruncation = !negated
    case "dnssec": options.dnssec = !negated
    case "trace": options.trace = !negated
    case "tls": options.tls = !negated
    case "tls-ca":
      options.tlsCA = negated ? nil : (argument ?? "")
      if !negated { options.tls = true }
    case "tls-hostname":
      guard let argument, !argument.isEmpty else { throw UsageError(message: "+tls-hostname needs a name") }
      options.tlsHostname = argument
    case "cmd", "comments", "stats", "question", "answer", "authority", "additional", "all", "qr", "identify",
      "cookie", "nsid", "multiline", "ttlid", "class", "search", "defname", "keepopen", "besteffort":
      break  // accepted for compatibility; output follows dig's defaults
    default:
      throw UsageError(message: "Invalid option: +\(text)")
    }
  }
}
