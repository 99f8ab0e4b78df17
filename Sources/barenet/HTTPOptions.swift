import ArgumentParser
import FTP
import HTTP
import ServerCore
import Transport

/// Options of the HTTP file server shared by `http` and `serve`.
struct HTTPOptions: ParsableArguments {
  @Flag(name: .customLong("no-listing"), help: "Answer 403 for folders without index.html instead of listing them.")
  var noListing = false

  @Flag(help: "Serve and list names that start with a dot (hidden by default).")
  var dotfiles = false

  @Flag(help: "Draw a QR code of the first URL other devices can reach, when run in a terminal.")
  var qr = false

  @Flag(help: "Write no access log.")
  var quiet = false

  @Flag(help: "Trace every connection on standard error: socket events and HTTP requests, one line each.")
  var trace = false

  @Option(help: ArgumentHelp("Append the access log to FILE instead of standard output.", valueName: "FILE"))
  var log: String?

  @Option(help: "Event-loop threads (default: one per core).")
  var threads: Int?

  @Option(help: "Most connections open at once, per thread.")
  var maxConnections = 10_000

  @Flag(help: "Accept uploads: PUT stores the body at the request's path (off by default).")
  var upload = false

  @Flag(help: "Let MKCOL (WebDAV) create folders (off by default).")
  var mkdir = false

  @Flag(help: "With --upload, an upload may replace an existing file (else 409 Conflict).")
  var overwrite = false

  @Option(
    help: ArgumentHelp("With --upload, the largest upload accepted: bytes, or with K, M or G.", valueName: "SIZE"))
  var maxUpload = "1G"

  @Option(
    help: ArgumentHelp(
      "Ask for a name and password (HTTP Basic) from this users file ('barenet passwd'; the FTP format).",
      valueName: "FILE"))
  var auth: String?

  @Flag(help: "With --auth, let everyone read and ask only uploads for an account that may write.")
  var authWritesOnly = false

  @Option(help: "Most connections open at once from one client address (0: no limit); more get 503.")
  var maxPerClient = 0

  @Option(help: "Seconds a kept-alive connection may sit idle between requests.")
  var keepAliveTimeout = 30

  @Flag(help: "Send Strict-Transport-Security over HTTPS (one year).")
  var hsts = false

  @Flag(help: "Gzip text over HTTPS too (off by default: compression under TLS exposes secrets to BREACH).")
  var tlsGzip = false

  /// The server configuration these options describe for `root`.
  func configuration(root: String) throws -> HTTPServerConfiguration {
    var files = FileServerOptions(root: root)
    files.listing = !noListing
    files.dotfiles = dotfiles
    files.uploads.enabled = upload
    files.uploads.overwrite = overwrite
    files.uploads.mkdir = mkdir
    files.uploads.maxSize = try Self.size(maxUpload)
    var configuration = HTTPServerConfiguration(files: files)
    configuration.maxConnections = maxConnections
    if maxPerClient > 0 { configuration.perClient = PeerLimit(perAddress: maxPerClient) }
    if let auth {
      let users = try loadUsers(auth)
      configuration.auth = HTTPAuth(writesOnly: authWritesOnly) { name, password in
        guard let account = users.account(named: name), !account.isAnonymous,
          PasswordHash.verify(password, against: account.hash)
        else { return nil }
        return account.canWrite ? .write : .read
      }
    }
    configuration.timeouts.idle = Int64(keepAliveTimeout) * 1000
    configuration.trace = trace ? .standardError : nil
    if quiet {
      configuration.log = nil
    } else if let log {
      guard let sink = LogSink.file(log) else { throw CLIError("cannot open log file '\(log)' for appending") }
      configuration.log = sink
    }
    return configuration
  }

  /// "512", "64K", "100M", "2G" as bytes.
  static func size(_ text: String) throws -> Int {
    let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
    var digits = Substring(text.uppercased())
    var scale = 1
    if let last = digits.last, let unit = units[last] {
      scale = unit
      digits = digits.dropLast()
    }
    guard let value = Int(digits), value > 0, value <= Int.max / scale else {
      throw ValidationError("--max-upload must be a size such as 500K, 100M or 2G")
    }
    return value * scale
  }

  func validate() throws {
    _ = try Self.size(maxUpload)
    if authWritesOnly && auth == nil { throw ValidationError("--auth-writes-only needs --auth FILE") }
    if let threads, threads < 1 || threads > 256 { throw ValidationError("--threads must be from 1 to 256") }
    if maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
    if maxPerClient < 0 { throw ValidationError("--max-per-client must be 0 (no limit) or more") }
    if keepAliveTimeout < 1 { throw ValidationError("--keep-alive-timeout must be at least 1 second") }
  }
}
