import ArgumentParser
import DNS
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// `barenet dns`: a DNS query client with dig's syntax and output.
struct DNSQueryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dns",
    abstract: "Ask a DNS server, the way dig does.",
    discussion: """
      barenet dns [@SERVER] [-p PORT] [-x ADDR] [-t TYPE] [-c CLASS] [-f FILE] NAME \
      [TYPE|IXFR=SERIAL] [+short] [+tcp] [+norecurse] [+time=S] [+tries=N] [+bufsize=N] \
      [+noedns] [+dnssec] [+json] [+layers] [+hex] [+trace [--root-hints FILE]] [+tls] \
      [+tls-ca[=FILE]] [+tls-hostname=NAME]

      Without @SERVER it asks the first nameserver in /etc/resolv.conf. Answers come over UDP; \
      a truncated answer is asked again over TCP (+tcp asks over TCP from the start). Exit \
      status as dig: 0 for any answer (NXDOMAIN included), 9 when no server answered, 1 for \
      usage errors. -f FILE runs one query per line concurrently over one socket. AXFR and \
      IXFR=SERIAL transfer a zone over TCP. +trace resolves from the root servers (IANA's, \
      or those in --root-hints FILE, or @SERVER's) down, one referral at a time. Problems \
      (a malformed or mismatched reply, a timeout) are reported on standard error. +tls asks \
      over DNS over TLS (port 853 unless -p), all queries pipelined on one connection; \
      +tls-ca checks the certificate (system CAs, or FILE) for +tls-hostname or the server.
      """
  )

  @Argument(parsing: .captureForPassthrough, help: "dig-style arguments.")
  var words: [String] = []

  func run() throws {
    let options: DigOptions
    do {
      options = try DigArguments.parse(words)
    } catch {
      printError("barenet dns: \(error)")
      throw ExitCode(1)
    }
    let serverText = options.server ?? Resolver.systemNameserver() ?? "127.0.0.1"
    guard let server = numericAddress(serverText, port: options.port) else {
      printError("barenet dns: couldn't get address for '\(serverText)': not found")
      throw ExitCode(1)
    }
    let resolver = Resolver(server: server, timeout: options.timeout, tries: options.tries) { printError($0) }
    var jobs: [(DigOptions, DigQuery)] = options.queries.map { (options, $0) }
    if let file = options.batchFile {
      guard let text = readTextFile(file) else {
        printError("barenet dns: cannot read '\(file)'")
        throw ExitCode(1)
      }
      do { jobs += try DigArguments.batch(text, defaults: options) } catch {
        printError("barenet dns: \(file):\(error)")
        throw ExitCode(1)
      }
    }
    let commandLine = words.joined(separator: " ")
    if options.trace { return try trace(options, commandLine: commandLine) }
    if options.tls { return try overTLS(jobs, resolver: resolver, server: serverText, commandLine: commandLine) }
    var failed = false
    if options.batchFile != nil {
      failed = runBatch(jobs, resolver: resolver, commandLine: commandLine)
    } else {
      for (jobOptions, query) in jobs {
        if query.isTransfer {
          failed = !transfer(query, jobOptions, resolver: resolver, commandLine: commandLine) || failed
          continue
        }
        do {
          // For +layers, capture the link layer while the exchange runs (when allowed).
          let capture = jobOptions.layers ? PacketCapture() : nil
          let exchange = try resolver.resolve(
            message(for: query, jobOptions), tcp: jobOptions.tcp, ignoreTruncation: jobOptions.ignoreTruncation)
          let frames = capture?.drain()
          emit(exchange, jobOptions, commandLine: commandLine, frames: frames)
        } catch {
          failed = true
          printError(";; \(error)")
        }
      }
    }
    if failed { throw ExitCode(9) }
  }

  /// Runs a batch concurrently over UDP (TCP ones one by one) and prints in file order.
  private func runBatch(_ jobs: [(DigOptions, DigQuery)], resolver: Resolver, commandLine: String) -> Bool {
    let udpJobs = jobs.indices.filter { !jobs[$0].0.tcp && !jobs[$0].1.isTransfer }
    let batch = BatchResolver(resolver: resolver)
    let showProgress = isatty(2) != 0
    let udpResults = batch.run(udpJobs.map { message(for: jobs[$0].1, jobs[$0].0, batch: true) }) { done, total in
      if showProgress { printErrorInline("\r;; \(done)/\(total) answered") }
    }
    if showProgress { printErrorInline("\r\u{1B}[K") }
    var results = [Result<Exchange, ResolverError>?](repeating: nil, count: jobs.count)
    for (i, index) in udpJobs.enumerated() { results[index] = udpResults[i] }
    var failed = false
    for (index, (jobOptions, query)) in jobs.enumerated() {
      if query.isTransfer {
        failed = !transfer(query, jobOptions, resolver: resolver, commandLine: commandLine) || failed
        continue
      }
      let result =
        results[index]
        ?? Result { () throws(ResolverError) -> Exchange in
          try resolver.resolve(message(for: query, jobOptions), tcp: true)
        }
      switch result {
      case .success(let exchange): emit(exchange, jobOptions, commandLine: commandLine)
      case .failure(let error):
        failed = true
        printError(";; \(query.name) \(query.type): \(error)")
      }
    }
    return failed
  }

  /// `+trace`: iterative resolution from the root servers (the hints, or @SERVER's NS set).
  private func trace(_ options: DigOptions, commandLine: String) throws {
    var hintsText = Tracer.ianaRootHints
    var hintsFile = "IANA root hints"
    if let path = options.rootHints {
      guard let text = readTextFile(path) else {
        printError("barenet dns: cannot read root hints '\(path)'")
        throw ExitCode(1)
      }
      hintsText = text
      hintsFile = path
    }
    let hints: [DNSRecord]
    do { hints = try ZoneFileParser(file: hintsFile).records(hintsText, origin: .root) } catch {
      printError("barenet dns: \(error)")
      throw ExitCode(1)
    }
    var start: SocketAddress?
    if let server = options.server {
      guard let address = numericAddress(server, port: options.port) else {
        printError("barenet dns: couldn't get address for '\(server)': not found")
        throw ExitCode(1)
      }
      start = address
    }
    let tracer = Tracer(
      port: options.port, timeout: options.timeout, tries: options.tries, dnssec: options.dnssec, hints: hints
    ) { printError($0) }
    guard let query = options.queries.first else { return }
    let question = DNSQuestion(name: query.name, type: query.type, recordClass: query.recordClass)
    let (steps, failure) = tracer.trace(question, start: start)
    print(DigOutput.trace(steps, commandLine: commandLine), terminator: "")
    if let failure {
      printError(";; trace stopped: \(failure)")
      throw ExitCode(9)
    }
  }

  /// `+tls`: every query over one TLS connection, pipelined (DNS over TLS, RFC 7858). The
  /// certificate is checked with `+tls-ca`, for `+tls-hostname` or the server as given.
  private func overTLS(
    _ jobs: [(DigOptions, DigQuery)], resolver: Resolver, server: String, commandLine: String
  ) throws {
    guard let options = jobs.first?.0 else { return }
    let name = options.tlsHostname ?? server
    let settings = Resolver.TLSSettings(
      verification: options.tlsCA.map { .certificate(caFile: $0.isEmpty ? nil : $0, name: name) } ?? .none,
      serverName: name)
    do {
      let capture = options.layers ? PacketCapture() : nil
      let exchanges = try resolver.overTLS(
        jobs.map { message(for: $0.1, $0.0, batch: true) }, tls: settings)
      let frames = capture?.drain()
      for (exchange, job) in zip(exchanges, jobs) { emit(exchange, job.0, commandLine: commandLine, frames: frames) }
    } catch {
      printError(";; \(error)")
      throw ExitCode(9)
    }
  }

  /// AXFR or IXFR over TCP, printed as dig prints a transfer; false when none took place.
  private func transfer(_ query: DigQuery, _ options: DigOptions, resolver: Resolver, commandLine: String) -> Bool {
    do {
      let transfer = try resolver.transfer(message(for: query, options))
      print(DigOutput.transfer(transfer, commandLine: commandLine, short: options.short), terminator: "")
      if transfer.failed {
        let rcode = ResponseCode.name(transfer.messages.first?.rcode ?? 0)
        printError(";; transfer from \(transfer.server.host)#\(transfer.server.port) refused: \(rcode)")
      }
      return true
    } catch {
      printError(";; \(error)")
      return false
    }
  }

  /// The query for `query`; `batch` leaves the ID to the batch, which draws IDs in bulk.
  private func message(for query: DigQuery, _ options: DigOptions, batch: Bool = false) -> DNSMessage {
    var edns: EDNS?
    if options.edns {
      var e = EDNS(udpSize: options.bufsize)
      e.dnssecOK = options.dnssec
      edns = e
    }
    var message = DNSMessage.query(
      DNSQuestion(name: query.name, type: query.type, recordClass: query.recordClass),
      recursionDesired: options.recurse, edns: edns, id: batch ? 0 : nil)
    if let serial = query.serial {
      // IXFR carries the client's SOA; only its serial matters (RFC 1995 §3), as dig sends it.
      var w = WireWriter(compress: false)
      w.name(.root)
      w.name(.root)
      for value in [serial, 0, 0, 0, 0] { w.u32(value) }
      message.authority = [DNSRecord(name: query.name, type: .soa, ttl: 0, rdata: w.bytes)]
    }
    return message
  }

  private func emit(
    _ exchange: Exchange, _ options: DigOptions, commandLine: String, frames: [PacketCapture.Frame]? = nil
  ) {
    if options.json {
      print(DigOutput.json(exchange), terminator: "")
    } else if options.short {
      print(DigOutput.short(exchange.response), terminator: "")
    } else {
      print(DigOutput.full(exchange, commandLine: commandLine), terminator: "")
    }
    if options.layers { print(LayerView.describe(exchange, frames: frames), terminator: "") }
    if options.hex { print(HexDump.annotated(exchange), terminator: "") }
  }

  /// A numeric address, or a name resolved by the system (`getaddrinfo`), as dig accepts both.
  private func numericAddress(_ text: String, port: UInt16) -> SocketAddress? {
    if let address = try? SocketAddress(host: text, port: port) { return address }
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(text, nil, &hints, &list) == 0, let first = list else { return nil }
    defer { freeaddrinfo(list) }
    var storage = sockaddr_storage()
    withUnsafeMutableBytes(of: &storage) { raw in
      raw.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
    }
    return SocketAddress(storage: storage)?.with(port: port)
  }
}

/// Writes to standard error without a newline (progress lines).
func printErrorInline(_ text: String) {
  var text = text
  text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
