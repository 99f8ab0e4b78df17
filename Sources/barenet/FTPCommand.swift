import ArgumentParser
import FTP
import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// Options of the FTP server shared by `ftp` and `serve`.
struct FTPOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Accounts that may log in with a password (see 'barenet passwd').", valueName: "FILE"))
  var users: String?

  @Option(help: ArgumentHelp("Ports for passive data connections, as FIRST-LAST.", valueName: "A-B"))
  var pasvPorts = "50000-50100"

  @Option(help: "Seconds without a command before a session is closed with 421.")
  var idleTimeout = 300

  @Option(help: "Most FTP sessions open at once.")
  var maxSessions = 200

  @Option(help: "Most FTP sessions open at once from one client address (0: no limit); more get 421.")
  var maxSessionsPerClient = 50

  @Flag(help: "Refuse anonymous logins (only accounts from --users).")
  var noAnonymous = false

  @Flag(help: "With a TLS certificate: accounts log in only after AUTH TLS (530 in the clear).")
  var tlsRequired = false

  @Flag(help: "With a TLS certificate: a data connection must resume the control connection's TLS session.")
  var tlsDataReuse = false

  func validate() throws {
    if idleTimeout < 1 { throw ValidationError("--idle-timeout must be at least 1 second") }
    if maxSessions < 1 { throw ValidationError("--max-sessions must be at least 1") }
    if maxSessionsPerClient < 0 { throw ValidationError("--max-sessions-per-client must be 0 (no limit) or more") }
    _ = try passivePorts()
  }

  /// The `--pasv-ports` range.
  func passivePorts() throws -> ClosedRange<UInt16> {
    let parts = pasvPorts.split(separator: "-")
    guard parts.count == 2, let low = UInt16(parts[0]), let high = UInt16(parts[1]), low >= 1024, low <= high else {
      throw ValidationError("--pasv-ports must be FIRST-LAST with 1024 ≤ FIRST ≤ LAST ≤ 65535")
    }
    return low...high
  }

  /// The server configuration these options describe.
  func configuration(root: String, dotfiles: Bool, log: LogSink?, trace: Bool) throws -> FTPServerConfiguration {
    var configuration = FTPServerConfiguration(root: root)
    configuration.trace = trace ? .standardError : nil
    configuration.passivePorts = try passivePorts()
    configuration.idleTimeout = Int64(idleTimeout)
    configuration.maxSessions = maxSessions
    if maxSessionsPerClient > 0 { configuration.perClient = PeerLimit(perAddress: maxSessionsPerClient) }
    configuration.session.allowAnonymous = !noAnonymous
    configuration.session.dotfiles = dotfiles
    configuration.log = log
    if let users {
      configuration.session.users = try loadUsers(users)
    }
    return configuration
  }
}

/// Reads and parses a users file, with file:line in any error.
func loadUsers(_ path: String) throws -> UsersFile {
  guard let text = readTextFile(path) else { throw CLIError("cannot read users file '\(path)'") }
  do {
    return try UsersFile(text: text)
  } catch {
    throw CLIError("\(path):\(error.line): \(error.reason)")
  }
}

/// The whole content of a file as UTF-8 text, or nil if it cannot be read.
func readTextFile(_ path: String) -> String? {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { return nil }
  defer { close(fd) }
  var data: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 65536)
  while true {
    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if n < 0 { return nil }
    if n == 0 { break }
    data += buffer[0..<n]
  }
  return String(decoding: data, as: UTF8.self)
}

/// `barenet ftp`: only the FTP server.
struct FTPServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ftp",
    abstract: "Serve a folder over FTP.",
    discussion: """
      Anonymous users (anonymous or ftp, any password) may read. Accounts from --users may \
      log in with their password; those marked 'write' may also upload, delete, rename and \
      make folders. Uploads are atomic: a file appears only when its transfer completes. \
      Passive (PASV, EPSV) and active (PORT, EPRT) data connections; active ones go only back \
      to the client's own address.
      """
  )

  @Argument(help: "The folder to serve.")
  var dir = "./www"

  @Option(name: .shortAndLong, help: "TCP port for the control connection.")
  var port: Int = 2121

  @Option(help: ArgumentHelp("Address to listen on; '::' takes IPv4 and IPv6.", valueName: "ADDR"))
  var bind = "127.0.0.1"

  @OptionGroup var ftp: FTPOptions

  @OptionGroup var tls: TLSOptions

  @Flag(help: "Show and allow names that start with a dot.")
  var dotfiles = false

  @Flag(help: "Write no log.")
  var quiet = false

  @Flag(help: "Trace every session on standard error: socket events, commands and replies, data connections.")
  var trace = false

  @Option(help: "Event-loop threads (default: one per core).")
  var threads: Int?

  @OptionGroup var privileges: PrivilegeOptions

  func run() throws {
    try runServers(user: privileges.user) { launch in
      if let threads { launch.threads = threads }
      try launch.ftp(
        dir: dir, port: port, bind: bind, options: ftp, dotfiles: dotfiles, log: quiet ? nil : .standardOutput,
        trace: trace, tls: tls)
    }
  }
}
