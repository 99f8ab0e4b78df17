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
      outside DIR is ever served, not through '..', encoded slashes or symlinks.
      """
  )

  @Argument(help: "The folder to serve.")
  var dir = "./www"

  @Option(name: .shortAndLong, help: "TCP port to listen on (0 picks a free one).")
  var port: Int = 8080

  @Option(help: ArgumentHelp("Address to listen on; '::' takes IPv4 and IPv6.", valueName: "ADDR"))
  var bind = "127.0.0.1"

  @OptionGroup var http: HTTPOptions

  @OptionGroup var privileges: PrivilegeOptions

  func run() throws {
    try runServers(user: privileges.user) { launch in
      try launch.http(dir: dir, port: port, bind: bind, options: http)
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

  @Option(help: ArgumentHelp("Address to listen on; '::' takes IPv4 and IPv6.", valueName: "ADDR"))
  var bind = "127.0.0.1"

  @OptionGroup var http: HTTPOptions

  @OptionGroup var ftp: FTPOptions

  @OptionGroup var privileges: PrivilegeOptions

  func run() throws {
    try runServers(user: privileges.user) { launch in
      try launch.http(dir: dir, port: httpPort, bind: bind, options: http)
      let log = try http.configuration(root: dir).log
      try launch.ftp(
        dir: dir, port: ftpPort, bind: bind, options: ftp, dotfiles: http.dotfiles, log: log, trace: http.trace)
    }
  }
}
