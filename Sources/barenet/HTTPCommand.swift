import ArgumentParser
import FTP
import HTTP
import Transport

/// `barenet http`: only the HTTP file server.
struct HTTPCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "http",
    abstract: "Serve a folder over HTTP/1.1.",
    discussion: """
      Serves the files under DIR with GET and HEAD: keep-alive and pipelining, ranges, \
      conditional requests (ETag, Last-Modified), gzip for text, folder listings. Nothing \
      outside DIR is ever served, not through '..', encoded slashes or symlinks. With \
      --tls-cert and --tls-key (PEM; reloaded on SIGHUP), or --tls-self-signed, it speaks \
      HTTPS instead (TLS 1.2 and 1.3).
      """
  )

  @Argument(help: "The folder to serve.")
  var dir = "./www"

  @Option(name: .shortAndLong, help: "TCP port to listen on (0 picks a free one).")
  var port: Int = 8080

  @Option(help: ArgumentHelp("Address to listen on; '::' takes IPv4 and IPv6.", valueName: "ADDR"))
  var bind = "127.0.0.1"

  @OptionGroup var http: HTTPOptions

  @OptionGroup var tls: TLSOptions

  @OptionGroup var privileges: PrivilegeOptions

  func run() throws {
    try runServers(user: privileges.user) { launch in
      try launch.http(dir: dir, port: port, bind: bind, options: http, tls: tls)
    }
  }
}

/// `barenet serve`, also what bare `barenet` runs: HTTP and FTP over the same folder.
struct ServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve a folder over HTTP and FTP at once (the default command)."
  )

  @Argument(help: "The folder to serve.")
  var dir = "./www"

  @Option(help: "TCP port for HTTP.")
  var httpPort: Int = 8080

  @Option(help: "TCP port for FTP.")
  var ftpPort: Int = 2121

  @Option(help: "TCP port for HTTPS beside HTTP (needs --tls-cert and --tls-key, or --tls-self-signed).")
  var httpsPort: Int?

  @Flag(help: "Answer plain HTTP with a 308 redirect to the HTTPS port.")
  var redirectHttps = false

  @Option(help: ArgumentHelp("Address to listen on; '::' takes IPv4 and IPv6.", valueName: "ADDR"))
  var bind = "127.0.0.1"

  @OptionGroup var http: HTTPOptions

  @OptionGroup var tls: TLSOptions

  @OptionGroup var ftp: FTPOptions

  @OptionGroup var privileges: PrivilegeOptions

  func validate() throws {
    if httpsPort != nil && !tls.enabled {
      throw ValidationError("--https-port needs --tls-cert and --tls-key, or --tls-self-signed")
    }
    if redirectHttps && httpsPort == nil { throw ValidationError("--redirect-https needs --https-port N") }
  }

  func run() throws {
    try runServers(user: privileges.user) { launch in
      var plain = http
      if httpsPort != nil {
        // The code shows the https URL; HSTS and gzip under TLS are the HTTPS listener's.
        plain.qr = false
        plain.hsts = false
        plain.tlsGzip = false
      }
      try launch.http(
        dir: dir, port: httpPort, bind: bind, options: plain, redirectToPort: redirectHttps ? httpsPort : nil)
      if let httpsPort { try launch.http(dir: dir, port: httpsPort, bind: bind, options: http, tls: tls) }
      let log = try http.configuration(root: dir).log
      try launch.ftp(
        dir: dir, port: ftpPort, bind: bind, options: ftp, dotfiles: http.dotfiles, log: log, trace: http.trace,
        tls: tls)
    }
  }
}
