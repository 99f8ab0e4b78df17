import DNS
import Foundation
import TestSupport
import Testing

/// `barenet dns-serve` beside NSD on the same zones, judged by NSD's answers (a differential
/// with dnspython), and zone transfers with dig, kdig and NSD as a secondary.
@Suite(.serialized) struct DNSResponderTests {
  static let zoneFiles = ["fixtures/zones/rich.test.zone", "fixtures/zones/other.test.zone"]
  static let zoneNames = ["rich.test", "other.test"]

  /// NSD serving the fixture zones itself, transfers allowed from loopback.
  static func primaryNSD() throws -> NSDServer {
    try NSDServer(zones: [
      NSDServer.ZoneConfig(
        name: "rich.test", files: ["fixtures/zones/rich.test.zone", "fixtures/zones/rich-types.inc"],
        options: ["provide-xfr: 127.0.0.1 NOKEY"]),
      NSDServer.ZoneConfig(
        name: "other.test", files: ["fixtures/zones/other.test.zone"], options: ["provide-xfr: 127.0.0.1 NOKEY"]),
    ])
  }

  /// Runs the differential script: every name and type of the zones, over UDP with and
  /// without EDNS, with DO, and over TCP.
  func differential(reference: UInt16, tested: UInt16) throws -> Command.Result {
    let script = Fixture.packageRoot.appendingPathComponent("fixtures/scripts/dns_differential.py").path
    return try Command.run(
      "/usr/bin/python3", [script, "127.0.0.1:\(reference)", "127.0.0.1:\(tested)"] + Self.zoneNames, timeout: 600)
  }

  @Test func answersAsNSDDoes() throws {
    let nsd = try Self.primaryNSD()
    defer { nsd.stop() }
    let ours = try DNSTestServer(zoneFiles: Self.zoneFiles)
    defer { ours.stop() }
    let r = try differential(reference: nsd.port, tested: ours.port)
    #expect(r.status == 0, "\(r.out.suffix(6000))\n\(r.err.suffix(2000))")
    #expect(r.out.contains("answers the same"))
  }

  @Test func nsdAsSecondaryTransfersFromDnsServeAndAnswersTheSame() throws {
    let ours = try DNSTestServer(zoneFiles: Self.zoneFiles, allowTransfer: ["127.0.0.1"])
    defer { ours.stop() }
    let secondary = try NSDServer(
      zones: Self.zoneNames.map { name in
        NSDServer.ZoneConfig(
          name: name, files: [],
          options: ["request-xfr: AXFR 127.0.0.1@\(ours.port) NOKEY", "provide-xfr: 127.0.0.1 NOKEY"])
      })
    defer { secondary.stop() }
    // The second zone may arrive a moment after the first.
    for _ in 0..<50 {
      let r = try Command.run("dig", ["@127.0.0.1", "-p", "\(secondary.port)", "+short", "other.test", "SOA"])
      if r.out.contains("hostmaster") { break }
      usleep(100_000)
    }
    let r = try differential(reference: secondary.port, tested: ours.port)
    #expect(r.status == 0, "\(r.out.suffix(6000))\n\(r.err.suffix(2000))")
  }

  /// A transfer's records as sorted lines, without dig's comments, in lower case: NSD keeps
  /// names in lower case, dns-serve as the zone file spells them (names compare without case).
  func transfer(_ tool: String, port: UInt16, zone: String) throws -> [String] {
    let r = try Command.run(tool, ["@127.0.0.1", "-p", "\(port)", "+noall", "+answer", zone, "AXFR"])
    #expect(!r.out.contains("Got bad packet") && !r.out.contains("failed"), "\(tool): \(r.out)")
    return r.out.split(separator: "\n").filter { !$0.hasPrefix(";") && !$0.isEmpty }.map {
      $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ").lowercased()
    }.sorted()
  }

  @Test func digAndKdigTransferTheSameZoneFromBoth() throws {
    let nsd = try Self.primaryNSD()
    defer { nsd.stop() }
    let ours = try DNSTestServer(zoneFiles: Self.zoneFiles, allowTransfer: ["127.0.0.0/8"])
    defer { ours.stop() }
    for tool in ["dig", "kdig"] {
      let theirs = try transfer(tool, port: nsd.port, zone: "rich.test")
      let mine = try transfer(tool, port: ours.port, zone: "rich.test")
      #expect(theirs.count > 60, "\(tool): \(theirs)")
      #expect(mine == theirs, "\(tool)")
    }
  }

  @Test func barenetTransfersFromNSDAsDigDoes() throws {
    let nsd = try Self.primaryNSD()
    defer { nsd.stop() }
    let at = ["@127.0.0.1", "-p", "\(nsd.port)"]
    func normalized(_ text: String) -> [String] {
      text.split(separator: "\n").map(String.init).filter {
        !$0.hasPrefix("; <<>>") && !$0.hasPrefix(";; Query time") && !$0.hasPrefix(";; WHEN")
      }
    }
    for question in [
      ["rich.test", "AXFR"], ["other.test", "IXFR=7"], ["other.test", "IXFR=1"], ["www.rich.test", "AXFR"],
    ] {
      for short in [[], ["+short"]] {
        let ours = try barenetDNS(at + short + question)
        let digs = try Command.run("dig", at + short + question)
        #expect(ours.status == 0, "\(question): \(ours.err)")
        #expect(normalized(ours.out) == normalized(digs.out), "\(question) \(short)\n\(ours.out)")
      }
    }
  }

  @Test func everyTypeIsPrintedAsDigPrintsIt() throws {
    let nsd = try Self.primaryNSD()
    defer { nsd.stop() }
    let at = ["@127.0.0.1", "-p", "\(nsd.port)"]
    let zone = try String(
      contentsOf: Fixture.packageRoot.appendingPathComponent("fixtures/zones/rich-types.inc"), encoding: .utf8)
    let questions = zone.split(separator: "\n").filter { !$0.hasPrefix(";") }.map {
      $0.split(separator: " ", omittingEmptySubsequences: true).prefix(2).map(String.init)
    }
    #expect(questions.count >= 25)
    for question in questions {
      let asked = [question[0] + ".types.rich.test", question[1]]
      for style in [["+short"], ["+norecurse"]] {
        let ours = try barenetDNS(at + style + asked)
        let digs = try Command.run("dig", at + style + asked)
        let strip = { (text: String) in
          text.split(separator: "\n").filter {
            !$0.contains("<<>>") && !$0.hasPrefix(";; Query time") && !$0.hasPrefix(";; WHEN")
          }
          .map { $0.replacing(/id: \d+/, with: "id: N") }
        }
        #expect(strip(ours.out) == strip(digs.out), "\(asked) \(style)\n\(ours.out)\n\(digs.out)")
      }
    }
  }

  @Test func rareTypesArePrintedAsDigPrintsThem() throws {
    // NSD reads these only as RFC 3597 data: it is given every record that way, from our parser.
    let path = Fixture.packageRoot.appendingPathComponent("fixtures/zones/rare.test.zone").path
    let zone = try ZoneFileParser(file: path).parse(try String(contentsOfFile: path, encoding: .utf8))
    let generic = zone.records.map { record in
      let hex = record.rdata.map { String(format: "%02x", $0) }.joined()
      return "\(record.name) \(record.ttl) IN TYPE\(record.type.rawValue) \\# \(record.rdata.count) \(hex)"
    }.joined(separator: "\n")
    let file = NSTemporaryDirectory() + "barenet-rare-\(UUID().uuidString)/rare.test.zone"
    try FileManager.default.createDirectory(
      atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try (generic + "\n").write(toFile: file, atomically: true, encoding: .utf8)
    let nsd = try NSDServer(zones: [NSDServer.ZoneConfig(name: "rare.test", files: [file])])
    defer { nsd.stop() }
    let at = ["@127.0.0.1", "-p", "\(nsd.port)", "+short"]
    for record in zone.records where record.type != .soa && record.type != .ns && record.type != .a {
      let question = [record.name.description, record.type.description]
      let digs = try Command.run("dig", at + question)
      let ours = try barenetDNS(at + question)
      #expect(!digs.out.isEmpty && !digs.out.hasPrefix("\\#"), "\(question): \(digs.out)")
      #expect(ours.out == digs.out, "\(question)")
    }
  }

  @Test func transfersAreRefusedToOthers() throws {
    let ours = try DNSTestServer(zoneFiles: Self.zoneFiles)  // nobody allowed
    defer { ours.stop() }
    let r = try Command.run("dig", ["@127.0.0.1", "-p", "\(ours.port)", "+nocmd", "rich.test", "AXFR"])
    #expect(r.out.contains("Transfer failed"), "\(r.out)")
    let kdig = try Command.run("kdig", ["@127.0.0.1", "-p", "\(ours.port)", "rich.test", "AXFR"])
    #expect(kdig.out.contains("REFUSED") || kdig.err.contains("REFUSED"), "\(kdig.out)\(kdig.err)")
  }
}
