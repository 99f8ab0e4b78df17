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
      Reads each ZONEFILE (RFC 1035 master format: $ORIGIN, $INCLUDE, $TTL, relative names, \
      @, parentheses, comments) and answers authoritatively as RFC 1034 §4.3.2 says and NSD \
      does: referrals with glue at zone cuts, wildcards, CNAME chains across the zones, DNAME, \
      NXDOMAIN and NODATA with the SOA, REFUSED for other names, TC over UDP when an answer \
      does not fit. AXFR and IXFR over TCP go to the clients --allow-transfer names. A zone \
      file with an error is refused at start with file:line and the reason.
      """
  )

  @Argument(help: "Zone files to serve.")
  var zoneFiles: [String]

  @Option(name: .shortAndLong, help: "Port for UDP and TCP.")
  var port: Int = 5353

  @Option(help: ArgumentHelp("Address to listen on; '::' takes IPv4 and IPv6.", valueName: "ADDR"))
  var bind = "127.0.0.1"

  @Option(
    name: .customLong("allow-transfer"),
    help: ArgumentHelp(
      "A client (ADDR or ADDR/PREFIX) allowed zone transfers (AXFR, IXFR) over TCP; repeatable.",
      valueName: "ADDR[/PREFIX]"))
  var allowTransfer: [String] = []

  @Option(help: "TCP port for DNS over TLS (RFC 7858; 853 is the standard one); needs a certificate.")
  var tlsPort: Int?

  @OptionGroup var tls: TLSOptions

  @Option(help: "Event-loop threads (default: one per core).")
  var threads: Int?

  @Flag(help: "Write no query log.")
  var quiet = false

  func validate() throws {
    if zoneFiles.isEmpty { throw ValidationError("give at least one zone file") }
    if (tlsPort != nil) != tls.enabled {
      throw ValidationError("--tls-port goes with a certificate (--tls-cert and --tls-key, or --tls-self-signed)")
    }
    for text in allowTransfer where AddressPrefix(text) == nil {
      throw ValidationError("--allow-transfer: '\(text)' is not an address or ADDR/PREFIX")
    }
  }

  @OptionGroup var privileges: PrivilegeOptions

  func run() throws {
    let zones = try zoneFiles.map(loadZone)
    let responder = Responder(zones: zones, allowTransfer: allowTransfer.compactMap(AddressPrefix.init))
    let log: LogSink? = quiet ? nil : .standardOutput
    try runServers(user: privileges.user) { launch in
      if let threads { launch.threads = threads }
      try launch.dns(port: port, bind: bind, responder: responder, log: log, tls: tls, tlsPort: tlsPort)
    }
  }
}

/// Reads and parses a zone file and what it `$INCLUDE`s, with file:line in any error.
func loadZone(_ path: String) throws -> Zone {
  guard let text = readTextFile(path) else { throw CLIError("cannot read zone file '\(path)'") }
  do {
    return try ZoneFileParser(file: path, include: readTextFile).parse(text)
  } catch {
    throw CLIError("\(error)")
  }
}
