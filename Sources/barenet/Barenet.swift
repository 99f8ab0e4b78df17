import ArgumentParser

/// The `barenet` command: a file server over HTTP on its own socket layer.
@main
struct Barenet: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "barenet",
    abstract: "Serve a folder over HTTP and FTP, written directly on the BSD socket API.",
    discussion: """
      With no subcommand, barenet runs `serve`: it serves ./www over HTTP on \
      127.0.0.1:8080 and over FTP on 127.0.0.1:2121. Stop it with Ctrl-C (SIGINT) or SIGTERM: it stops accepting, lets \
      responses in flight finish (for at most 5 seconds) and exits 0.

      EXAMPLES
        barenet                          serve ./www on http://127.0.0.1:8080/
        barenet http ~/site --port 9000  serve a folder on another port
        barenet http --bind :: .         serve the current folder on every IPv4 and IPv6 address
        barenet ftp ~/share --users u    FTP with the accounts in the file u (see passwd)
      """,
    subcommands: [
      ServeCommand.self, HTTPCommand.self, FTPServeCommand.self, PasswdCommand.self, DNSQueryCommand.self,
      DNSServeCommand.self,
    ],
    defaultSubcommand: ServeCommand.self
  )
}
