import ArgumentParser
import HTTP
import ServerCore
import Transport

/// Options of the HTTP file server shared by `http` and `serve`.
struct HTTPOptions: ParsableArguments {
  @Flag(name: .customLong("no-listing"), help: "Answer 403 for folders without index.html instead of listing them.")
  var noListing = false

  @Flag(help: "Serve and list names that start with a dot (hidden by default).")
  var dotfiles = false

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

  @Option(help: "Most connections open at once from one client address (0: no limit); more get 503.")
  var maxPerClient = 0

  @Option(help: "Seconds a kept-alive connection may sit idle between requests.")
  var keepAliveTimeout = 30

  /// The server configuration these options describe for `root`.
  func configuration(root: String) throws -> HTTPServerConfiguration {
    var files = FileServerOptions(root: root)
    files.listing = !noListing
    files.dotfiles = dotfiles
    var configuration = HTTPServerConfiguration(files: files)
    configuration.maxConnections = maxConnections
    if maxPerClient > 0 { configuration.perClient = PeerLimit(perAddress: maxPerClient) }
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

  func validate() throws {
    if let threads, threads < 1 || threads > 256 { throw ValidationError("--threads must be from 1 to 256") }
    if maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
    if maxPerClient < 0 { throw ValidationError("--max-per-client must be 0 (no limit) or more") }
    if keepAliveTimeout < 1 { throw ValidationError("--keep-alive-timeout must be at least 1 second") }
  }
}
