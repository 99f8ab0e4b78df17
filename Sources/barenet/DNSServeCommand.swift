import ArgumentParser
import DNS
import ServerCore
import Transport

/// `barenet dns-serve`: a small authoritative DNS server for zone files.
struct DNSServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dns-serve",
    abstract: "Answer DNS queries for zones in master-file format, over UDP and TCP.",
    discussion: """
      Reads each ZONEFILE (RFC 1035 master format: $ORIGIN, $TTL, relative names, @, \
      parentheses, comments) and answers authoritatively: NXDOMAIN and NODATA with the SOA, \
      CNAME chains inside the zone, REFUSED for other names, TC over UDP when an answer does \
      not fit (the client then asks over TCP). A zone file with an error is refused at start \
      with file:line and the reason.
      """
  )

  @Argument(help: "Zone files to serve.")
  var zoneFiles: [String]

  @Option(name: .shortAndLong, help: "Port for UDP and TCP.")
  var port: Int = 5353

  @Option(help: ArgumentHelp("Address to listen on; '::' takes IPv4 and IPv6.", valueName: "ADDR"))
  var bind = "127.0.0.1"

  @Option(help: "Event-loop threads (default: one per core).")
  var threads: Int?

  @Flag(help: "Write no query log.")
  var quiet = false

  func validate() throws {
    if zoneFiles.isEmpty { throw ValidationError("give at least one zone file") }
  }

  @OptionGroup var privileges: PrivilegeOptions

  func run() throws {
    var zones: [Zone] = []
    for file in zoneFiles {
      guard let text = readTextFile(file) else { throw CLIError("cannot read zone file '\(file)'") }
      do {
        zones.append(try ZoneFileParser(file: file).parse(text))
      } catch {
        throw CLIError("\(error)")
      }
    }
    let responder = Responder(zones: zones)
    let log: LogSink? = quiet ? nil : .standardOutput
    try runServers(user: privileges.user) { launch in
      if let threads { launch.threads = threads }
      try launch.dns(port: port, bind: bind, responder: responder, log: log)
    }
  }
}
