import ArgumentParser
import HTTP
import TLS
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// The certificate options of a TLS listener, shared by `http`, `serve`, `ftp` and `dns-serve`.
struct TLSOptions: ParsableArguments {
  @Option(help: ArgumentHelp("The certificate in PEM, its chain after it (HTTPS).", valueName: "FILE"))
  var tlsCert: String?

  @Option(help: ArgumentHelp("The certificate's private key in PEM.", valueName: "FILE"))
  var tlsKey: String?

  @Flag(help: "Make an ECDSA P-256 certificate at start for the names and addresses served (and localhost).")
  var tlsSelfSigned = false

  var enabled: Bool { tlsCert != nil || tlsKey != nil || tlsSelfSigned }

  func validate() throws {
    if tlsSelfSigned && (tlsCert != nil || tlsKey != nil) {
      throw ValidationError("--tls-self-signed makes its own certificate: leave out --tls-cert and --tls-key")
    }
    if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
  }

  /// The TLS context for a listener on `address`, and lines to print at start (the fingerprint,
  /// warnings); nil when TLS is off.
  func context(for address: SocketAddress) throws -> (TLSContext, [String])? {
    guard enabled else { return nil }
    var notes: [String] = []
    let source: CertificateSource
    if let tlsCert, let tlsKey {
      if TLSContext.keyIsExposed(tlsKey) {
        notes.append("barenet: warning: the key file '\(tlsKey)' can be read by other users (chmod 600 it)")
      }
      source = .files(certificate: tlsCert, key: tlsKey)
    } else {
      let certificate = try SelfSignedCertificate(names: Self.names(), addresses: Self.addresses(for: address))
      notes.append(
        "barenet: self-signed certificate for " + (certificate.names + certificate.addresses).joined(separator: ", "))
      source = .selfSigned(certificate)
    }
    let context: TLSContext
    do { context = try TLSContext(source: source) } catch { throw CLIError("\(error)") }
    notes.append("barenet: TLS certificate SHA-256 fingerprint \(context.certificateFingerprint ?? "unknown")")
    notes.append(Self.recordPath())
    return (context, notes)
  }

  /// Which path file bodies take, said at start: sealed in user space (pread, then OpenSSL's
  /// records through memory), since barenet keeps the socket and kTLS would need OpenSSL to own
  /// it. Whether this kernel could offer kTLS is said too.
  static func recordPath() -> String {
    let available = readTextFile("/proc/sys/net/ipv4/tcp_available_ulp") ?? ""
    let kernel =
      available.split(whereSeparator: \.isWhitespace).contains("tls")
      ? "this kernel has kTLS, unused" : "this kernel has no kTLS"
    return "barenet: TLS records are sealed in user space (memory BIOs; files read with pread; \(kernel))"
  }

  /// localhost and this machine's name.
  static func names() -> [String] {
    var buffer = [CChar](repeating: 0, count: 256)
    gethostname(&buffer, buffer.count)
    let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return ["localhost"] + (host.isEmpty || host == "localhost" ? [] : [host])
  }

  /// The address listened on (every interface's for a wildcard), and loopback's.
  static func addresses(for address: SocketAddress) -> [String] {
    var list = address.isWildcard ? SocketAddress.interfaceAddresses().map(\.address.host) : [address.host]
    list += ["127.0.0.1", "::1"]
    var seen: Set<String> = []
    return list.filter { !$0.hasPrefix("fe80") && seen.insert($0).inserted }
  }
}

extension TLSContext {
  /// Makes a connection's session, whose records and handshake are traced with `--trace`.
  func channel(for connection: TCPConnection, requireResumption: Bool = false, tickets: Bool = true)
    -> SecureChannel?
  {
    guard let session = makeSession() else { return nil }
    session.requireResumption = requireResumption
    if !tickets { session.issuesTickets = false }
    if let trace = connection.trace {
      let started = connection.reactor.now
      session.onRecord = { trace.event("tls", $0) }
      session.onEstablished = { [unowned connection] handshake in
        trace.event("tls", "handshake done in \(connection.reactor.now - started) ms: \(handshake)")
      }
    }
    return session
  }
}

extension HTTPServerConfiguration {
  /// Makes this an HTTPS listener's configuration: each connection gets a session of `context`.
  mutating func secure(with context: TLSContext, hsts: Bool, gzip: Bool) {
    files.security.strictTransportSecurity = hsts
    files.security.compression = gzip
    secureChannel = { context.channel(for: $0) }
  }
}
