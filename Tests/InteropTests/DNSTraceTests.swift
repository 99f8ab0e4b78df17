import DNS
import Foundation
import TestSupport
import Testing

/// `+trace` down a three-level hierarchy (root on 127.0.0.2, tld. on 127.0.0.3, example.tld.
/// on 127.0.0.4, one port), served once by NSD and once by dns-serve, beside dig +trace.
@Suite(.serialized) struct DNSTraceTests {
  static let levels = [
    (address: "127.0.0.2", zone: ".", file: "fixtures/zones/hierarchy/root.zone"),
    (address: "127.0.0.3", zone: "tld", file: "fixtures/zones/hierarchy/tld.zone"),
    (address: "127.0.0.4", zone: "example.tld", file: "fixtures/zones/hierarchy/example.tld.zone"),
  ]
  static let hints = Fixture.packageRoot.appendingPathComponent("fixtures/zones/hierarchy/root.hints").path
  static let questions = [
    ["www.example.tld", "A"], ["mail.example.tld", "A"], ["nope.example.tld", "A"], ["www.example.tld", "MX"],
  ]

  /// The trace without its timings and command line.
  func normalized(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.contains("<<>>") }
      .map { $0.replacing(/\sin \d+ ms/, with: " in N ms") }
  }

  /// dig +trace looks the servers' names up with the system resolver, not in the glue: it runs
  /// in a mount namespace whose /etc/hosts names the three servers.
  func digTrace(port: UInt16, _ question: [String]) throws -> Command.Result {
    let hosts = NSTemporaryDirectory() + "barenet-trace-hosts-\(UUID().uuidString)"
    try "127.0.0.1 localhost\n127.0.0.2 a.root\n127.0.0.3 ns.tld\n127.0.0.4 ns.example.tld\n".write(
      toFile: hosts, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: hosts) }
    let dig = "dig -p \(port) @127.0.0.2 +trace " + question.joined(separator: " ")
    return try Command.run("unshare", ["--mount", "sh", "-c", "mount --bind \(hosts) /etc/hosts && \(dig)"])
  }

  @Test func traceDownNSDsHierarchyMatchesDig() throws {
    let port = try freeLoopbackPort()
    let servers = try Self.levels.map { level in
      try NSDServer(
        zones: [NSDServer.ZoneConfig(name: level.zone, files: [level.file])], address: level.address, port: port)
    }
    defer { for server in servers { server.stop() } }
    for question in Self.questions {
      let ours = try barenetDNS(["-p", "\(port)", "@127.0.0.2", "+trace"] + question)
      let digs = try digTrace(port: port, question)
      #expect(ours.status == 0, "\(ours.err)")
      #expect(digs.out.contains(";; Received"), "\(digs.out)\(digs.err)")
      #expect(normalized(ours.out) == normalized(digs.out), "\(question)\n\(ours.out)\n\(digs.out)")
    }
  }

  @Test func traceDownDnsServesHierarchyFromTheHints() throws {
    let port = try freeLoopbackPort()
    let servers = try Self.levels.map { try DNSTestServer(zoneFiles: [$0.file], address: $0.address, port: port) }
    defer { for server in servers { server.stop() } }
    let r = try barenetDNS(["-p", "\(port)", "--root-hints", Self.hints, "+trace", "www.example.tld", "A"])
    #expect(r.status == 0, "\(r.err)")
    let received = r.out.split(separator: "\n").filter { $0.hasPrefix(";; Received") }
    #expect(received.count == 4, "\(r.out)")
    #expect(received[1].contains("from 127.0.0.2#\(port)(a.root)"))
    #expect(received[2].contains("from 127.0.0.3#\(port)(ns.tld)"))
    #expect(received[3].contains("from 127.0.0.4#\(port)(ns.example.tld)"))
    #expect(r.out.contains("www.example.tld.\t3600\tIN\tA\t192.0.2.80"))
    // The same steps as NSD gives for the same zones (answers compared, timings aside).
    let nsdPort = try freeLoopbackPort()
    let nsds = try Self.levels.map { level in
      try NSDServer(
        zones: [NSDServer.ZoneConfig(name: level.zone, files: [level.file])], address: level.address, port: nsdPort)
    }
    defer { for server in nsds { server.stop() } }
    let fromNSD = try barenetDNS(["-p", "\(nsdPort)", "--root-hints", Self.hints, "+trace", "www.example.tld", "A"])
    #expect(
      normalized(r.out).map { $0.replacing("#\(port)", with: "#P") }
        == normalized(fromNSD.out).map { $0.replacing("#\(nsdPort)", with: "#P") })
  }

  @Test func aSilentRootEndsTheTraceWithExitNine() throws {
    let port = try freeLoopbackPort()
    let r = try barenetDNS([
      "-p", "\(port)", "--root-hints", Self.hints, "+trace", "+time=1", "+tries=1", "www.example.tld",
    ])
    #expect(r.status == 9)
    #expect(r.err.contains("trace stopped"), "\(r.err)")
  }
}
