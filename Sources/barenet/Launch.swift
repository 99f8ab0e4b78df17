import ArgumentParser
import DNS
import FTP
import HTTP
import ServerCore
import TLS
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// A one-line error for the user; ArgumentParser prints it and exits non-zero.
struct CLIError: Error, CustomStringConvertible {
  let description: String
  init(_ message: String) { description = message }
}

/// Collects the servers a command runs, binding every listener before any thread starts, so
/// "port in use" and friends are reported at once and nothing half-starts.
struct Launch {
  /// Builds one loop's servers; returns how they stop.
  typealias LoopSetup = @Sendable (Reactor, Int) throws -> ReactorGroup.Stopping

  var threads = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
  private(set) var setups: [LoopSetup] = []
  private(set) var banners: [String] = []
  /// Whether some server may create files (an FTP account with write permission).
  private(set) var writesFiles = false
  /// What SIGHUP does: read the certificate files again (each returns a line for the log).
  private(set) var reloads: [@Sendable () -> String] = []
  /// The one TLS context of this run, shared by HTTPS and FTPS (one certificate, one fingerprint).
  private var sharedTLS: TLSContext?

  /// The TLS context `options` describe, made (and announced) once per run.
  mutating func tlsContext(_ options: TLSOptions, for address: SocketAddress) throws -> TLSContext? {
    if let sharedTLS { return sharedTLS }
    guard let (context, notes) = try options.context(for: address) else { return nil }
    sharedTLS = context
    banners += notes
    if case .files = context.source {
      reloads.append {
        do {
          try context.reload()
          return "barenet: reloaded the TLS certificate, fingerprint \(context.certificateFingerprint ?? "unknown")"
        } catch {
          return "barenet: could not reload the TLS certificate, the old one stays: \(error)"
        }
      }
    }
    return context
  }

  /// Adds the HTTP file server; with `tls` enabled it speaks HTTPS. `redirectToPort` turns a
  /// plain listener into a 308 to HTTPS on that port (`--redirect-https`).
  mutating func http(
    dir: String, port: Int, bind: String, options: HTTPOptions, tls: TLSOptions? = nil, redirectToPort: Int? = nil
  ) throws {
    let root = try checkedFolder(dir)
    var configuration = try options.configuration(root: root)
    configuration.files.security.redirectToPort = redirectToPort
    if let count = options.threads { threads = count }
    let secure = tls?.enabled == true
    let listeners = try listen(bind: bind, port: port, count: threads, what: secure ? "HTTPS" : "HTTP")
    let addresses = urls(listeners[0].address, scheme: secure ? "https" : "http")
    banners.append("barenet: serving \(root) over \(secure ? "HTTPS" : "HTTP") at " + addresses.joined(separator: "  "))
    if let redirectToPort {
      banners.append("barenet: plain HTTP is redirected (308) to HTTPS on port \(redirectToPort)")
    }
    if let tls, let context = try tlsContext(tls, for: listeners[0].address) {
      configuration.secure(with: context, hsts: options.hsts, gzip: options.tlsGzip)
    }
    if (options.hsts || options.tlsGzip) && !secure && redirectToPort == nil {
      throw CLIError("--hsts and --tls-gzip need TLS (--tls-cert and --tls-key, or --tls-self-signed)")
    }
    if options.qr && redirectToPort == nil { banners.append(Self.qrBanner(for: addresses)) }
    if redirectToPort == nil { banners.append(configuration.files.exposure(auth: configuration.auth)) }
    if configuration.auth != nil, !secure, redirectToPort == nil,
      let warning = HTTPAuth.clearTextWarning(listeningOn: listeners[0].address)
    {
      banners.append(warning)
    }
    let ready = configuration
    setups.append { reactor, index in
      try HTTPServer(listener: listeners[index], reactor: reactor, configuration: ready).stopping
    }
  }

  /// Adds the FTP server.
  /// Adds the FTP server; with `tls` enabled it offers explicit FTPS (AUTH TLS, PROT P).
  mutating func ftp(
    dir: String, port: Int, bind: String, options: FTPOptions, dotfiles: Bool, log: LogSink?, trace: Bool,
    tls: TLSOptions? = nil
  ) throws {
    let root = try checkedFolder(dir)
    var configuration = try options.configuration(root: root, dotfiles: dotfiles, log: log, trace: trace)
    if configuration.session.users.accounts.contains(where: \.canWrite) { writesFiles = true }
    let listeners = try listen(bind: bind, port: port, count: threads, what: "FTP")
    let sessions = SessionCounter()
    banners.append(
      "barenet: serving \(root) over FTP at " + urls(listeners[0].address, scheme: "ftp").joined(separator: "  "))
    if let tls, let context = try tlsContext(tls, for: listeners[0].address) {
      configuration.session.tls.offered = true
      configuration.session.tls.required = options.tlsRequired
      let reuse = options.tlsDataReuse
      configuration.controlChannel = { context.channel(for: $0) }
      // A data connection resumes the control connection's session: it needs no ticket of its own.
      configuration.dataChannel = { context.channel(for: $0, requireResumption: reuse, tickets: false) }
      banners.append(
        "barenet: FTP offers AUTH TLS" + (options.tlsRequired ? "; accounts must use it" : "")
          + (reuse ? "; data connections must resume the control connection's TLS session" : ""))
    } else if options.tlsRequired || options.tlsDataReuse {
      throw CLIError(
        "--tls-required and --tls-data-reuse need a certificate (--tls-cert and --tls-key, or --tls-self-signed)")
    }
    let ready = configuration
    setups.append { reactor, index in
      try FTPServer(listener: listeners[index], reactor: reactor, configuration: ready, sessions: sessions)
        .stopping
    }
  }

  /// Adds the DNS responder: per loop a UDP socket and a TCP listener on the same port.
  /// Adds the DNS responder; with `tls` and `tlsPort`, DNS over TLS (RFC 7858) beside it.
  mutating func dns(
    port: Int, bind: String, responder: Responder, log: LogSink?, tls: TLSOptions? = nil, tlsPort: Int? = nil
  ) throws {
    let listeners = try listen(bind: bind, port: port, count: threads, what: "DNS over TCP")
    var sockets: [UDPSocket] = []
    do {
      for _ in 0..<threads {
        sockets.append(try UDPSocket(boundTo: listeners[0].address, reusePort: true))
      }
    } catch {
      for socket in sockets { socket.close() }
      throw CLIError(Self.explain(error, address: listeners[0].address, what: "DNS over UDP"))
    }
    let udp = sockets
    banners.append("barenet: answering DNS for \(responder.zoneNames) on \(listeners[0].address) (UDP and TCP)")
    var secure: (listeners: [TCPListener], context: TLSContext)?
    if let tls, let tlsPort, let context = try tlsContext(tls, for: listeners[0].address) {
      let tlsListeners = try listen(bind: bind, port: tlsPort, count: threads, what: "DNS over TLS")
      secure = (tlsListeners, context)
      banners.append("barenet: DNS over TLS on \(tlsListeners[0].address)")
    }
    let tlsSetup = secure
    setups.append { reactor, index in
      let channel = tlsSetup.map { setup in
        (listener: setup.listeners[index], channel: { (c: TCPConnection) in setup.context.channel(for: c) })
      }
      return try DNSServer(
        udp: udp[index], tcp: listeners[index], reactor: reactor, responder: responder, log: log, tls: channel
      ).stopping
    }
  }

  /// One listener per loop on the same port (SO_REUSEPORT): the first picks the port when 0
  /// is asked for, the others join it.
  private func listen(bind: String, port: Int, count: Int, what: String) throws -> [TCPListener] {
    guard (0...65_535).contains(port) else { throw CLIError("\(what) port \(port) is not between 0 and 65535") }
    let address: SocketAddress
    do {
      address = try SocketAddress(host: bind, port: UInt16(port))
    } catch {
      throw CLIError("'\(bind)' is not a numeric IPv4 or IPv6 address")
    }
    var listeners: [TCPListener] = []
    do {
      let first = try TCPListener(address: address, reusePort: true)
      listeners.append(first)
      for _ in 1..<max(count, 1) {
        listeners.append(try TCPListener(address: first.address, reusePort: true))
      }
    } catch {
      for listener in listeners { listener.close() }
      throw CLIError(Self.explain(error, address: address, what: what))
    }
    return listeners
  }

  static func explain(_ error: SocketError, address: SocketAddress, what: String) -> String {
    switch error.errno {
    case EADDRINUSE:
      return "cannot listen for \(what) on \(address): the port is already in use"
    case EACCES where address.port < 1024:
      return "cannot listen for \(what) on \(address): ports below 1024 need root (try a port such as 8080)"
    case EADDRNOTAVAIL:
      return "cannot listen for \(what) on \(address): no interface has that address"
    default:
      return "cannot listen for \(what) on \(address): \(error)"
    }
  }

  /// The folder's real path, or a clear error if it is missing, not a folder or unreadable.
  private func checkedFolder(_ dir: String) throws -> String {
    var info = stat()
    guard stat(dir, &info) == 0 else { throw CLIError("cannot serve '\(dir)': no such folder") }
    guard info.st_mode & S_IFMT == S_IFDIR else { throw CLIError("cannot serve '\(dir)': not a folder") }
    guard access(dir, R_OK | X_OK) == 0 else { throw CLIError("cannot serve '\(dir)': permission denied") }
    guard let real = realpath(dir, nil) else { throw CLIError("cannot serve '\(dir)': cannot resolve its path") }
    defer { free(real) }
    return String(cString: real)
  }

  /// The URLs a listener is reached at: its own address, or for a wildcard (0.0.0.0, ::) the
  /// address of every interface of the right family (link-local ones left out).
  private func urls(_ address: SocketAddress, scheme: String) -> [String] {
    guard address.isWildcard else { return ["\(scheme)://\(address)/"] }
    let dualStack = address.family == AF_INET6
    let reachable = SocketAddress.interfaceAddresses().map(\.address).filter {
      ($0.family == address.family || dualStack) && !$0.isLinkLocal
    }
    let list = reachable.map { "\(scheme)://\($0.with(port: address.port))/" }
    return list.isEmpty ? ["\(scheme)://\(address)/"] : list
  }

  /// With `--qr`: a QR code of the first URL another device can reach (not loopback), drawn on
  /// the terminal; on a pipe or a file, or with only loopback to offer, a line saying why not.
  static func qrBanner(for urls: [String]) -> String {
    guard isatty(1) == 1 || isatty(2) == 1 else { return "barenet: --qr: not a terminal, no QR code drawn" }
    let reachable = urls.first { !$0.contains("//127.") && !$0.contains("//[::1]") }
    guard let url = reachable else {
      return "barenet: --qr: only loopback is served, which no other device can reach (try --bind 0.0.0.0)"
    }
    guard let code = QRCode(url) else { return "barenet: --qr: \(url) is too long for a QR code" }
    return "barenet: scan to open \(url)\n" + code.terminalText
  }
}

/// Binds what `configure` asks for, runs the loops until SIGINT or SIGTERM, then stops them
/// gracefully and returns (exit status 0).
func runServers(user: String?, _ configure: (inout Launch) throws -> Void) throws {
  raiseDescriptorLimit()
  var launch = Launch()
  try configure(&launch)
  // Every listener is bound now: this is the moment to give up root, before serving a byte.
  if let user {
    try dropPrivileges(to: user)
  } else if geteuid() == 0 && launch.writesFiles {
    throw CLIError(
      "refusing to serve FTP accounts that may write as root: files would be created as root; add --user NAME")
  }
  // Block the stop signals before any thread exists, so every thread inherits the mask and
  // only `sigwait` below receives them. SIGPIPE is ignored: a peer that vanished mid-write
  // is an error code, not a reason to die.
  signal(SIGPIPE, SIG_IGN)
  var stopSignals = sigset_t()
  sigemptyset(&stopSignals)
  sigaddset(&stopSignals, SIGINT)
  sigaddset(&stopSignals, SIGTERM)
  // SIGHUP reloads certificates; without a certificate file it is left alone (it stops us).
  if !launch.reloads.isEmpty { sigaddset(&stopSignals, SIGHUP) }
  pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

  let setups = launch.setups
  let group = try ReactorGroup(count: launch.threads) { reactor, index in
    let stoppings = try setups.map { try $0(reactor, index) }
    return ReactorGroup.Stopping(
      begin: { done in
        var remaining = stoppings.count
        for stopping in stoppings {
          stopping.begin {
            remaining -= 1
            if remaining == 0 { done() }
          }
        }
      },
      force: { for stopping in stoppings { stopping.force() } })
  }
  for banner in launch.banners { printError(banner) }
  var received: Int32 = 0
  while true {
    sigwait(&stopSignals, &received)
    guard received == SIGHUP else { break }
    for reload in launch.reloads { printError(reload()) }
  }
  printError("barenet: stopping (signal \(received))")
  group.stop()
  group.wait()
}

/// Raises the soft limit on open descriptors to the hard limit: each connection is one (two
/// for an FTP transfer), and the usual soft limit of 1024 is far below what a server holds.
func raiseDescriptorLimit() {
  var limit = rlimit()
  guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
  limit.rlim_cur = limit.rlim_max
  setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

/// Writes a line to standard error.
func printError(_ line: String) {
  var text = line + "\n"
  text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
