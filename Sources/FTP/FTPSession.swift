import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// Settings of the FTP server that shape every session.
public struct FTPSessionOptions: Sendable {
  /// Accounts from the users file.
  public var users = UsersFile()
  /// Whether `anonymous`/`ftp` may log in (read-only).
  public var allowAnonymous = true
  /// Whether names starting with "." are visible.
  public var dotfiles = false
  /// Failed logins before the session is closed.
  public var maxLoginFailures = 3
  /// How long a failed login waits before its 530 (RFC 2577 §3: slows password guessing).
  public var loginFailureDelay: Int64 = 1000
  /// Explicit FTPS (RFC 4217): whether AUTH TLS is offered, and what it is required for.
  public var tls = FTPTLSPolicy()

  public init() {}
}

/// One FTP session as a state machine (RFC 959, 2389, 2428, 3659): commands in, actions out.
///
/// It never touches a socket. It does touch the served folder (listings, deletes, renames,
/// opening files), always through the jail. Data connections are the glue's job: the session
/// says which transfer to run and hears how it ended.
///
/// One type over two files (this one: login, settings, navigation, data connections; FTPSession+Files.swift: listings and transfers), because every command reads and changes the same session state.
public final class FTPSession {
  enum Login {
    case none
    case awaitingPassword(user: String)
    case loggedIn(Account)
  }

  enum DataEndpoint {
    case none
    case passive
    case active(SocketAddress)
  }

  let options: FTPSessionOptions
  let peer: SocketAddress
  let local: SocketAddress
  var files: VirtualFileSystem
  var login = Login.none
  var ascii = true
  var endpoint = DataEndpoint.none
  var epsvOnly = false
  var restartOffset = 0
  var renameFrom: ServedFolder.Place?
  var failures = 0
  var pendingUpload: AtomicUpload?
  var quitAfterTransfer = false
  var mlstFacts: Set<String> = ["type", "size", "modify", "perm", "unique", "unix.mode"]
  /// AUTH TLS was accepted: the control connection speaks TLS from the 234 on.
  public internal(set) var secured = false
  /// PBSZ was given (RFC 4217 §8: before PROT).
  var bufferSizeSet = false
  /// PROT P: data connections speak TLS.
  public internal(set) var protectData = false
  /// True while a transfer runs; the glue then passes on only ABOR, STAT, NOOP and QUIT.
  public private(set) var isTransferring = false

  /// A session for a client at `peer` that reached us at `local`.
  public init(jail: PathResolver, options: FTPSessionOptions, peer: SocketAddress, local: SocketAddress) {
    self.options = options
    self.peer = peer
    self.local = local
    self.files = VirtualFileSystem(jail: jail)
  }

  /// The 220 greeting.
  public var greeting: FTPReply { FTPReply(220, "barenet FTP server ready.") }

  /// The logged-in user's name, or "-".
  public var userName: String {
    if case .loggedIn(let account) = login { return account.name }
    return "-"
  }

  var account: Account? {
    if case .loggedIn(let account) = login { return account }
    return nil
  }

  /// The reply to a command line longer than the limit.
  public func lineTooLong() -> [FTPAction] {
    [.reply(FTPReply(500, "Command line too long."))]
  }

  /// Handles one command.
  public func handle(_ command: FTPCommand) -> [FTPAction] {
    let verb = command.verb
    let argument = command.argument
    if verb != "RNTO" { renameFrom = nil }
    switch verb {
    case "USER": return user(argument)
    case "PASS": return pass(argument)
    case "QUIT":
      if isTransferring {
        quitAfterTransfer = true
        return []
      }
      return [.reply(FTPReply(221, "Goodbye.")), .close]
    case "NOOP": return reply(200, "NOOP ok.")
    case "SYST": return reply(215, "UNIX Type: L8")
    case "FEAT": return [.reply(features)]
    case "OPTS": return opts(argument)
    case "HELP": return [.reply(help)]
    case "AUTH", "PBSZ", "PROT", "CCC", "ADAT": return security(verb, argument)
    default: break
    }
    guard account != nil else { return reply(530, "Please login with USER and PASS.") }
    switch verb {
    case "STAT": return stat(argument)
    case "ALLO": return reply(202, "ALLO command ignored.")
    case "MODE":
      return argument.uppercased() == "S" ? reply(200, "Mode set to S.") : reply(504, "Only MODE S is supported.")
    case "STRU":
      return argument.uppercased() == "F" ? reply(200, "Structure set to F.") : reply(504, "Only STRU F is supported.")
    case "TYPE": return type(argument)
    case "PWD", "XPWD":
      return [.reply(FTPReply(257, "\(quoted(VirtualFileSystem.display(files.cwd))) is the current directory."))]
    case "CWD", "XCWD": return cwd(argument)
    case "CDUP", "XCUP": return cwd("..")
    case "PASV": return passive(extended: false, argument)
    case "EPSV": return passive(extended: true, argument)
    case "PORT": return port(argument)
    case "EPRT": return eprt(argument)
    case "LIST", "NLST", "MLSD": return listing(verb, argument)
    case "MLST": return mlst(argument)
    case "SIZE": return size(argument)
    case "MDTM": return mdtm(argument)
    case "REST": return rest(argument)
    case "RETR": return retrieve(argument)
    case "STOR", "APPE", "STOU": return store(verb, argument)
    case "DELE": return delete(argument)
    case "MKD", "XMKD": return makeDirectory(argument)
    case "RMD", "XRMD": return removeDirectory(argument)
    case "RNFR": return renameFrom(argument)
    case "RNTO": return renameTo(argument)
    case "ABOR": return abort()
    case "SITE": return reply(502, "SITE commands are not supported.")
    default: return reply(500, "Unknown command.")
    }
  }

  // MARK: Login

  private func user(_ name: String) -> [FTPAction] {
    guard !name.isEmpty else { return reply(501, "USER needs a name.") }
    if isTransferring { return reply(503, "A transfer is in progress.") }
    let lower = name.lowercased()
    let anonymous = options.allowAnonymous && (lower == "anonymous" || lower == "ftp")
    if let refusal = clearLoginRefusal(anonymous: anonymous) { return refusal }
    if anonymous {
      login = .awaitingPassword(user: "anonymous")
      return reply(331, "Anonymous login ok, send your email address as password.")
    }
    login = .awaitingPassword(user: name)
    return reply(331, "Please specify the password.")
  }

  private func pass(_ password: String) -> [FTPAction] {
    guard case .awaitingPassword(let name) = login else {
      if account != nil { return reply(230, "Already logged in.") }
      return reply(503, "Login with USER first.")
    }
    if name == "anonymous" {
      login = .loggedIn(.anonymous)
      return reply(230, "Login successful (anonymous, read-only).")
    }
    if let account = options.users.account(named: name), PasswordHash.verify(password, against: account.hash) {
      login = .loggedIn(account)
      failures = 0
      return reply(230, "Login successful.")
    }
    login = .none
    failures += 1
    var actions: [FTPAction] = [
      .pause(milliseconds: options.loginFailureDelay), .reply(FTPReply(530, "Login incorrect.")),
    ]
    if failures >= options.maxLoginFailures {
      actions += [.reply(FTPReply(421, "Too many failed logins; closing.")), .close]
    }
    return actions
  }

  // MARK: Session settings

  private func opts(_ argument: String) -> [FTPAction] {
    let parts = argument.split(separator: " ", maxSplits: 1).map(String.init)
    switch parts.first?.uppercased() {
    case "UTF8":
      return parts.count > 1 && parts[1].uppercased() == "OFF"
        ? reply(504, "UTF8 cannot be turned off.") : reply(200, "Always in UTF8 mode.")
    case "MLST":
      let known = ["type", "size", "modify", "perm", "unique", "unix.mode"]
      let asked = (parts.count > 1 ? parts[1] : "").split(separator: ";").map { $0.lowercased() }
      mlstFacts = Set(asked.filter { known.contains($0) })
      return reply(200, "MLST OPTS " + known.filter { mlstFacts.contains($0) }.map { $0 + ";" }.joined())
    default:
      return reply(501, "Unknown option.")
    }
  }

  private func type(_ argument: String) -> [FTPAction] {
    switch argument.uppercased() {
    case "A", "A N":
      ascii = true
      return reply(200, "Switching to ASCII mode.")
    case "I", "L 8":
      ascii = false
      return reply(200, "Switching to Binary mode.")
    case "":
      return reply(501, "TYPE needs an argument.")
    default:
      return reply(504, "Unsupported TYPE; use A or I.")
    }
  }

  private var features: FTPReply {
    let mlst = ["type", "size", "modify", "perm", "unique", "unix.mode"].map {
      $0 + (mlstFacts.contains($0) ? "*;" : ";")
    }
    return FTPReply(
      211, first: "Features:",
      body: (options.tls.offered ? [" AUTH TLS", " PBSZ", " PROT"] : [])
        + [" EPRT", " EPSV", " MDTM", " MLST " + mlst.joined(), " PASV", " REST STREAM", " SIZE", " TVFS", " UTF8"],
      last: "End")
  }

  private var help: FTPReply {
    FTPReply(
      214, first: "The following commands are recognized:",
      body: [
        " ABOR ALLO APPE CDUP CWD  DELE EPRT EPSV FEAT HELP LIST MDTM MKD  MLSD MLST MODE",
        " NLST NOOP OPTS PASS PASV PORT PWD  QUIT REST RETR RMD  RNFR RNTO SIZE STAT STOR",
        " STOU STRU SYST TYPE USER XCUP XCWD XMKD XPWD XRMD",
      ], last: "Help OK.")
  }

  private func stat(_ argument: String) -> [FTPAction] {
    if argument.isEmpty {
      var body = [
        " Connected to \(peer.host)", " Logged in as \(userName)",
        " TYPE: \(ascii ? "ASCII" : "BINARY"), MODE: Stream, STRU: File",
      ]
      body.append(isTransferring ? " A transfer is in progress" : " No data connection")
      return [.reply(FTPReply(211, first: "barenet FTP server status:", body: body, last: "End of status"))]
    }
    let segments: [String]
    do { segments = try files.resolve(argument) } catch { return reply(550, "No such file or directory.") }
    guard let lines = lsLines(segments) else { return reply(550, "No such file or directory.") }
    return [.reply(FTPReply(213, first: "Status of \(argument):", body: lines.map { " " + $0 }, last: "End of status"))]
  }

  // MARK: Navigation

  private func cwd(_ argument: String) -> [FTPAction] {
    guard !argument.isEmpty else { return reply(501, "CWD needs a path.") }
    guard let segments = try? files.resolve(argument), let opened = try? files.open(segments),
      opened.info.st_mode & S_IFMT == S_IFDIR
    else { return reply(550, "Failed to change directory.") }
    files.cwd = segments
    return reply(250, "Directory successfully changed.")
  }

  // MARK: Data connections

  private func passive(extended: Bool, _ argument: String) -> [FTPAction] {
    if extended {
      switch argument.uppercased() {
      case "ALL":
        epsvOnly = true
        return reply(200, "EPSV ALL ok.")
      case "", "1", "2":
        let wanted = argument.isEmpty ? nil : (argument == "1" ? AF_INET : AF_INET6)
        let have = (local.unmappedIPv4 ?? local).family
        if let wanted, wanted != have {
          return reply(522, "Network protocol not supported, use (\(have == AF_INET ? 1 : 2))")
        }
      default:
        return reply(501, "Bad EPSV argument.")
      }
    } else {
      if epsvOnly { return reply(503, "EPSV ALL was sent; use EPSV.") }
      guard case .v4 = local.unmappedIPv4 ?? local else { return reply(522, "PASV is for IPv4; use EPSV.") }
    }
    return [.openPassive(extended: extended)]
  }

  /// The glue opened a passive listener at `address`.
  public func passiveOpened(at address: SocketAddress, extended: Bool) -> [FTPAction] {
    endpoint = .passive
    let port = address.port
    if extended { return reply(229, "Entering Extended Passive Mode (|||\(port)|)") }
    let host = (address.unmappedIPv4 ?? address).host.split(separator: ".").joined(separator: ",")
    return reply(227, "Entering Passive Mode (\(host),\(port >> 8),\(port & 0xff)).")
  }

  /// The glue could not open a passive listener (no free port in the range).
  public func passiveFailed() -> [FTPAction] {
    endpoint = .none
    return reply(425, "Cannot open a passive connection: no free port.")
  }

  private func port(_ argument: String) -> [FTPAction] {
    if epsvOnly { return reply(503, "EPSV ALL was sent; use EPSV.") }
    let numbers = argument.split(separator: ",").map { Int($0.trimmingCharacters(in: " ")) }
    guard numbers.count == 6, numbers.allSatisfy({ $0 != nil && (0...255).contains($0!) }) else {
      return reply(501, "Syntax error in PORT arguments.")
    }
    let n = numbers.map { $0! }
    guard
      let address = try? SocketAddress(
        host: n[0..<4].map(String.init).joined(separator: "."), port: UInt16(n[4] * 256 + n[5]))
    else { return reply(501, "Syntax error in PORT arguments.") }
    return active(address)
  }

  private func eprt(_ argument: String) -> [FTPAction] {
    if epsvOnly { return reply(503, "EPSV ALL was sent; use EPSV.") }
    guard let delimiter = argument.first else { return reply(501, "Syntax error in EPRT arguments.") }
    let fields = argument.split(separator: delimiter, omittingEmptySubsequences: false).map(String.init)
    guard fields.count == 5, fields[0].isEmpty, fields[4].isEmpty, let port = UInt16(fields[3]) else {
      return reply(501, "Syntax error in EPRT arguments.")
    }
    guard fields[1] == "1" || fields[1] == "2" else { return reply(522, "Network protocol not supported, use (1,2)") }
    guard let address = try? SocketAddress(host: fields[2], port: port),
      address.family == (fields[1] == "1" ? AF_INET : AF_INET6)
    else { return reply(501, "Syntax error in EPRT arguments.") }
    return active(address)
  }

  /// Active mode is allowed only back to the client's own address and to ports ≥ 1024, so the
  /// server cannot be made to connect elsewhere (the bounce attack, RFC 2577 §3).
  private func active(_ address: SocketAddress) -> [FTPAction] {
    guard address.sameHost(as: peer) else {
      return reply(501, "Refused: data connections go only to your own address.")
    }
    guard address.port >= 1024 else { return reply(501, "Refused: data connections go only to ports 1024 and above.") }
    endpoint = .active(address)
    return [.closePassive, .reply(FTPReply(200, "PORT command successful. Consider using PASV."))]
  }

  /// Starts a transfer with the endpoint set up by PASV/EPSV/PORT/EPRT (each serves one transfer).
  func begin(_ payload: FTPTransfer.Payload, ascii: Bool, opening: FTPReply, summary: String) -> [FTPAction] {
    let target: SocketAddress?
    switch endpoint {
    case .none:
      if case .upload(let upload) = payload { upload.discard() }
      return reply(425, "Use PORT, EPRT, PASV or EPSV first.")
    case .passive: target = nil
    case .active(let address): target = address
    }
    endpoint = .none
    restartOffset = 0
    isTransferring = true
    if case .upload(let upload) = payload { pendingUpload = upload }
    return [
      .reply(opening),
      .startTransfer(
        FTPTransfer(payload: payload, ascii: ascii, activeTarget: target, summary: summary, protected: protectData)),
    ]
  }

  /// The glue reports how the transfer ended.
  public func transferFinished(_ outcome: TransferOutcome) -> [FTPAction] {
    isTransferring = false
    let upload = pendingUpload
    pendingUpload = nil
    var result: FTPReply
    switch outcome {
    case .completed:
      result = FTPReply(226, "Transfer complete.")
      if let upload {
        do {
          try upload.commit()
        } catch {
          result =
            error.errno == ENOSPC || error.errno == EDQUOT
            ? Self.storageFullReply : FTPReply(451, "Local error: \(error).")
        }
      }
    case .connectionFailed:
      result = FTPReply(425, "Failed to establish the data connection.")
    case .interrupted:
      result = FTPReply(426, "Data connection closed; transfer aborted.")
    case .aborted:
      result = FTPReply(426, "Transfer aborted.")
    case .localError(let message):
      result = FTPReply(451, "Local error: \(message).")
    case .storageFull:
      result = Self.storageFullReply
    }
    if case .completed = outcome {} else { upload?.discard() }
    var actions: [FTPAction] = [.reply(result)]
    if quitAfterTransfer { actions += [.reply(FTPReply(221, "Goodbye.")), .close] }
    return actions
  }

  /// The disk is full: the old file (if any) is untouched and nothing partial is left behind.
  static let storageFullReply = FTPReply(452, "Insufficient storage space; the file was not stored.")

  private func abort() -> [FTPAction] {
    if isTransferring { return [.abortTransfer, .reply(FTPReply(226, "ABOR successful."))] }
    endpoint = .none
    return [.closePassive, .reply(FTPReply(225, "No transfer to ABOR."))]
  }

  // MARK: Helpers

  func reply(_ code: Int, _ text: String) -> [FTPAction] {
    [.reply(FTPReply(code, text))]
  }

  /// A path in a 257 reply: in quotes, with quotes inside doubled (RFC 959 Appendix II).
  func quoted(_ path: String) -> String {
    "\"" + path.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
  }
}

extension Character {
  var isASCIIDigit: Bool { isASCII && isNumber }
}
