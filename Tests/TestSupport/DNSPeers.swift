import DNS
import Foundation
import ServerCore
import Transport

/// A free TCP and UDP port on 127.0.0.1 (both bound once, then released).
public func freeLoopbackPort() throws -> UInt16 {
  for _ in 0..<50 {
    let tcp = try TCPListener(address: try SocketAddress(host: "127.0.0.1", port: 0))
    let port = tcp.address.port
    defer { tcp.close() }
    if let udp = try? UDPSocket(boundTo: try SocketAddress(host: "127.0.0.1", port: port)) {
      udp.close()
      return port
    }
  }
  throw Command.NotFound(program: "a free port")
}

/// nsd, the authoritative server from NLnet Labs, on a loopback address and a free port: by
/// default serving `fixtures/zones/example.test.zone`, for comparing barenet's client with dig.
public final class NSDServer: @unchecked Sendable {
  /// A zone nsd serves: its name, the fixture files to copy beside the config (the first is
  /// the zone file; none for a secondary that transfers it), and extra lines for its stanza.
  public struct ZoneConfig: Sendable {
    public var name: String
    public var files: [String]
    public var options: [String]

    public init(name: String, files: [String], options: [String] = []) {
      self.name = name
      self.files = files
      self.options = options
    }
  }

  public let port: UInt16
  public let address: String
  let process = Process()
  let folder: String

  /// Starts nsd and waits until it answers for the first zone (`ready`: the SOA query's
  /// expected answer text; by default any answer naming a hostmaster).
  public init(
    zones: [ZoneConfig] = [ZoneConfig(name: "example.test", files: ["fixtures/zones/example.test.zone"])],
    address: String = "127.0.0.1", port: UInt16? = nil, ready: String = "hostmaster", serverOptions: [String] = []
  ) throws {
    self.port = try port ?? freeLoopbackPort()
    self.address = address
    folder = NSTemporaryDirectory() + "barenet-nsd-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var stanzas = ""
    for zone in zones {
      for file in zone.files {
        let source = file.hasPrefix("/") ? file : Fixture.packageRoot.appendingPathComponent(file).path
        try FileManager.default.copyItem(atPath: source, toPath: folder + "/" + (file as NSString).lastPathComponent)
      }
      let zonefile = zone.files.first.map { ($0 as NSString).lastPathComponent } ?? "\(zone.name).zone"
      stanzas += "zone:\n  name: \(zone.name)\n  zonefile: \(zonefile)\n"
      stanzas += zone.options.map { "  \($0)\n" }.joined()
    }
    // Response rate limiting is off: the tests ask thousands of questions a second, and a
    // limited nsd answers some with an empty TC reply ("slip") or not at all.
    let config = """
      server:
        port: \(self.port)
        ip-address: \(address)
        username: ""
        zonesdir: "\(folder)"
        pidfile: "\(folder)/nsd.pid"
        database: ""
        zonelistfile: "\(folder)/zone.list"
        xfrdfile: "\(folder)/xfrd.state"
        logfile: "\(folder)/nsd.log"
        server-count: 1
        rrl-ratelimit: 0
        rrl-whitelist-ratelimit: 0
      \(serverOptions.map { "  " + $0 }.joined(separator: "\n"))
      remote-control:
        control-enable: no

      """ + stanzas
    try config.write(toFile: folder + "/nsd.conf", atomically: true, encoding: .utf8)
    process.executableURL = URL(fileURLWithPath: try Command.which("nsd"))
    process.arguments = ["-d", "-c", folder + "/nsd.conf"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Ready when it answers.
    for _ in 0..<150 {
      let r = try Command.run(
        "dig", ["@\(address)", "-p", "\(self.port)", "+short", "+time=1", "+tries=1", zones[0].name, "SOA"])
      if r.out.contains(ready) { return }
      usleep(100_000)
    }
    stop()
    throw Command.NotFound(program: "nsd answering on port \(self.port)")
  }

  /// One nsd for the whole test run, started on first use and stopped when the process exits.
  public static let shared: NSDServer = {
    let server = try! NSDServer()
    atexit { NSDServer.shared.stop() }
    return server
  }()

  /// Stops nsd and the helper processes it forked (they all carry this instance's config path).
  public func stop() {
    _ = try? Command.run("/usr/bin/pkill", ["-KILL", "-f", folder], timeout: 5)
    try? FileManager.default.removeItem(atPath: folder)
  }
}

/// barenet's own responder, in the test process, on UDP and TCP at one free port.
public final class DNSTestServer: @unchecked Sendable {
  public let port: UInt16
  let group: ReactorGroup

  public init(
    zoneFiles: [String] = ["fixtures/zones/example.test.zone"], allowTransfer: [String] = [],
    address: String = "127.0.0.1", port: UInt16 = 0
  ) throws {
    var zones: [Zone] = []
    for file in zoneFiles {
      let path = file.hasPrefix("/") ? file : Fixture.packageRoot.appendingPathComponent(file).path
      let parser = ZoneFileParser(file: path) { try? String(contentsOfFile: $0, encoding: .utf8) }
      zones.append(try parser.parse(try String(contentsOfFile: path, encoding: .utf8)))
    }
    let responder = Responder(zones: zones, allowTransfer: allowTransfer.compactMap(AddressPrefix.init))
    let listener = try TCPListener(address: try SocketAddress(host: address, port: port))
    let udp = try UDPSocket(boundTo: listener.address)
    self.port = listener.address.port
    group = try ReactorGroup(count: 1) { reactor, _ in
      try DNSServer(udp: udp, tcp: listener, reactor: reactor, responder: responder, log: nil).stopping
    }
  }

  public func stop() {
    group.stop()
    group.wait()
  }
}
