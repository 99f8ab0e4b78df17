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

/// nsd, the authoritative server from NLnet Labs, serving `fixtures/zones/example.test.zone`
/// on 127.0.0.1 and a free port, for comparing barenet's client with dig.
public final class NSDServer: @unchecked Sendable {
  public let port: UInt16
  let process = Process()
  let folder: String

  public init() throws {
    port = try freeLoopbackPort()
    folder = NSTemporaryDirectory() + "barenet-nsd-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let zone = Fixture.packageRoot.appendingPathComponent("fixtures/zones/example.test.zone").path
    try FileManager.default.copyItem(atPath: zone, toPath: folder + "/example.test.zone")
    let config = """
      server:
        port: \(port)
        ip-address: 127.0.0.1
        username: ""
        zonesdir: "\(folder)"
        pidfile: "\(folder)/nsd.pid"
        database: ""
        zonelistfile: "\(folder)/zone.list"
        xfrdfile: "\(folder)/xfrd.state"
        logfile: "\(folder)/nsd.log"
        server-count: 1
      remote-control:
        control-enable: no
      zone:
        name: example.test
        zonefile: example.test.zone

      """
    try config.write(toFile: folder + "/nsd.conf", atomically: true, encoding: .utf8)
    process.executableURL = URL(fileURLWithPath: try Command.which("nsd"))
    process.arguments = ["-d", "-c", folder + "/nsd.conf"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Ready when it answers.
    for _ in 0..<100 {
      let r = try Command.run(
        "dig", ["@127.0.0.1", "-p", "\(port)", "+short", "+time=1", "+tries=1", "example.test", "SOA"])
      if r.out.contains("hostmaster") { return }
      usleep(100_000)
    }
    stop()
    throw Command.NotFound(program: "nsd answering on port \(port)")
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

  public init(zoneFiles: [String] = ["fixtures/zones/example.test.zone"], allowTransfer: [String] = []) throws {
    var zones: [Zone] = []
    for file in zoneFiles {
      let path = Fixture.packageRoot.appendingPathComponent(file).path
      let parser = ZoneFileParser(file: path) { try? String(contentsOfFile: $0, encoding: .utf8) }
      zones.append(try parser.parse(try String(contentsOfFile: path, encoding: .utf8)))
    }
    let responder = Responder(zones: zones, allowTransfer: allowTransfer.compactMap(AddressPrefix.init))
    let listener = try TCPListener(address: try SocketAddress(host: "127.0.0.1", port: 0))
    let udp = try UDPSocket(boundTo: listener.address)
    port = listener.address.port
    group = try ReactorGroup(count: 1) { reactor, _ in
      try DNSServer(udp: udp, tcp: listener, reactor: reactor, responder: responder, log: nil).stopping
    }
  }

  public func stop() {
    group.stop()
    group.wait()
  }
}
