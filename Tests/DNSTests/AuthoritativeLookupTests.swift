import Foundation
import TestSupport
import Testing

@testable import DNS

/// The lookup of RFC 1034 §4.3.2 on the differential fixture zones (rich.test with its types
/// included, other.test), and zone transfers, with no socket.
@Suite struct AuthoritativeLookupTests {
  let responder: Responder

  static func loadZone(_ file: String) throws -> Zone {
    let path = Fixture.packageRoot.appendingPathComponent("fixtures/zones/" + file).path
    let parser = ZoneFileParser(file: path) { try? String(contentsOfFile: $0, encoding: .utf8) }
    return try parser.parse(try String(contentsOfFile: path, encoding: .utf8))
  }

  init() throws {
    responder = Responder(
      zones: [try Self.loadZone("rich.test.zone"), try Self.loadZone("other.test.zone")],
      allowTransfer: [try #require(AddressPrefix("127.0.0.0/8"))])
  }

  func ask(_ name: String, _ type: RecordType, edns: EDNS? = EDNS(), dnssec: Bool = false) throws -> DNSMessage {
    var edns = edns
    edns?.dnssecOK = dnssec
    let query = DNSMessage.query(DNSQuestion(name: try DNSName(parsing: name), type: type), edns: edns)
    return try DNSMessage(decoding: try #require(responder.respond(to: query.encoded(), overUDP: false)))
  }

  func texts(_ records: [DNSRecord]) -> Set<String> {
    Set(records.map { "\($0.name) \($0.type) \($0.presentation)" })
  }

  @Test func referralsAreNotAuthoritativeAndCarryGlue() throws {
    let r = try ask("host.child.rich.test.", .a)
    #expect(!r.header.authoritative && r.rcode == 0 && r.answers.isEmpty)
    #expect(r.authority.allSatisfy { $0.type == .ns && $0.name.description == "child.rich.test." })
    #expect(
      texts(r.additional) == [
        "ns.child.rich.test. A 192.0.2.100", "ns2.child.rich.test. AAAA 2001:db8::100", "ns1.rich.test. A 192.0.2.53",
        "ns1.rich.test. AAAA 2001:db8::53",
      ])
    // Glue is not the zone's own data: asking for it gets the referral too.
    #expect(try ask("ns.child.rich.test.", .a).authority.first?.type == .ns)
    // DS lives on the parent side of the cut and is answered with authority.
    let ds = try ask("child.rich.test.", .ds)
    #expect(ds.header.authoritative && ds.answers.map(\.type) == [.ds] && ds.authority.isEmpty)
    // A CNAME into the delegation: the CNAME with authority, then the referral.
    let chained = try ask("tdeleg.rich.test.", .a)
    #expect(chained.header.authoritative && chained.answers.map(\.type) == [.cname])
    #expect(chained.authority.first?.name.description == "child.rich.test.")
  }

  @Test func wildcardsAreSynthesizedWhereNoNameBlocksThem() throws {
    let a = try ask("foo.wild.rich.test.", .a)
    #expect(texts(a.answers) == ["foo.wild.rich.test. A 192.0.2.80"])
    let mx = try ask("foo.wild.rich.test.", .mx)
    #expect(mx.rcode == 0 && mx.answers.isEmpty && mx.authority.first?.type == .soa)
    let cname = try ask("x.cnwild.rich.test.", .a)
    #expect(cname.answers.map(\.type) == [.cname, .a])
    #expect(cname.answers.first?.name.description == "x.cnwild.rich.test.")
    let wildMX = try ask("y.mxwild.rich.test.", .mx)
    #expect(texts(wildMX.additional).contains("mail.rich.test. A 192.0.2.25"))
    // sub.wild exists (it has a child), so *.wild does not cover names below it.
    #expect(try ask("a.sub.wild.rich.test.", .a).rcode == ResponseCode.nxDomain)
  }

  @Test func chainsCrossZonesAndEndWithTheFinalZonesSOA() throws {
    let across = try ask("tother.rich.test.", .a)
    #expect(texts(across.answers) == ["tother.rich.test. CNAME www.other.test.", "www.other.test. A 192.0.2.210"])
    #expect(across.authority.first?.name.description == "other.test.")
    let missing = try ask("tnx.rich.test.", .a)
    #expect(missing.rcode == ResponseCode.nxDomain)
    #expect(missing.authority.first?.name.description == "other.test.")
    let loop = try ask("loop1.rich.test.", .a)
    #expect(loop.answers.count == 2 && loop.authority.isEmpty)
  }

  @Test func dnameSynthesizesACNAME() throws {
    let r = try ask("www.dn.rich.test.", .a)
    #expect(
      texts(r.answers) == [
        "dn.rich.test. DNAME other.test.", "www.dn.rich.test. CNAME www.other.test.", "www.other.test. A 192.0.2.210",
      ])
    #expect(r.answers[1].ttl == r.answers[0].ttl)
    // A substitution that would make a name over 255 bytes is YXDOMAIN (RFC 6672 §2.2).
    let long = String(repeating: "a", count: 63)
    let zone = try ZoneFileParser(file: "x").parse(
      "$TTL 1\nx. SOA a. b. 1 2 3 4 5\nd.x. DNAME \(long).\(long).\(long).\n")
    let query = DNSMessage.query(DNSQuestion(name: try DNSName(parsing: "\(long).d.x."), type: .a))
    let bytes = try #require(Responder(zones: [zone]).respond(to: query.encoded(), overUDP: false))
    #expect(try DNSMessage(decoding: bytes).rcode == ResponseCode.yxDomain)
  }

  @Test func optionsAreEchoedAndCheckedAsRFC6891Says() throws {
    #expect(try ask("rich.test.", .soa, dnssec: true).edns?.dnssecOK == true)
    #expect(try ask("rich.test.", .soa).edns?.dnssecOK == false)
    let refused = try ask("elsewhere.example.", .a)
    #expect(refused.rcode == ResponseCode.refused)
    #expect(refused.edns?.options.first?.code == 15 && refused.edns?.options.first?.data == [0, 20])
    var twoOPTs = DNSMessage.query(DNSQuestion(name: try DNSName(parsing: "rich.test."), type: .a))
    twoOPTs.additional = [EDNS().record]
    let formerr = try DNSMessage(decoding: try #require(responder.respond(to: twoOPTs.encoded(), overUDP: true)))
    #expect(formerr.rcode == ResponseCode.formErr)
  }

  @Test func anyGetsOneRRset() throws {
    let r = try ask("rich.test.", .any)
    #expect(r.answers.map(\.type) == [.soa])
  }

  @Test func zoneTransfersGoToAllowedClientsOverTCP() throws {
    let question = DNSQuestion(name: try DNSName(parsing: "rich.test."), type: .axfr)
    let query = DNSMessage.query(question, edns: nil).encoded()
    let messages = try responder.respondOverTCP(to: query, from: "127.0.0.1").map(DNSMessage.init(decoding:))
    let records = messages.flatMap(\.answers)
    #expect(records.first?.type == .soa && records.last?.type == .soa)
    #expect(records.count == (try Self.loadZone("rich.test.zone")).records.count + 1)
    #expect(messages.first?.questions == [question] && messages.allSatisfy { $0.header.authoritative })
    // Others are refused; a name that is not an apex is NOTAUTH; over UDP AXFR is NOTIMP.
    let refused = try DNSMessage(decoding: responder.respondOverTCP(to: query, from: "192.0.2.7")[0])
    #expect(refused.rcode == ResponseCode.refused)
    let notApex = DNSMessage.query(DNSQuestion(name: try DNSName(parsing: "www.rich.test."), type: .axfr))
    let notauth = try DNSMessage(decoding: responder.respondOverTCP(to: notApex.encoded(), from: "127.0.0.1")[0])
    #expect(notauth.rcode == ResponseCode.notAuth)
    let udp = try DNSMessage(decoding: try #require(responder.respond(to: query, overUDP: true)))
    #expect(udp.rcode == ResponseCode.notImp)
  }

  @Test func ixfrFromTheCurrentSerialIsOneSOA() throws {
    let zone = try Self.loadZone("rich.test.zone")
    var query = DNSMessage.query(DNSQuestion(name: zone.origin, type: .ixfr), edns: nil)
    query.authority = [try #require(zone.soa)]
    let upToDate = try responder.respondOverTCP(to: query.encoded(), from: "127.0.0.1").map(DNSMessage.init(decoding:))
    #expect(upToDate.count == 1 && upToDate[0].answers.map(\.type) == [.soa])
    query.authority[0].rdata =
      Array(query.authority[0].rdata.dropLast(20)) + [0, 0, 0, 1] + Array(repeating: 0, count: 16)
    let full = try responder.respondOverTCP(to: query.encoded(), from: "127.0.0.1").map(DNSMessage.init(decoding:))
    #expect(full.flatMap(\.answers).count == zone.records.count + 1)
  }

  @Test func prefixesMatchAddresses() throws {
    let loopback = try #require(AddressPrefix("127.0.0.0/8"))
    #expect(loopback.contains("127.1.2.3") && !loopback.contains("128.0.0.1"))
    #expect(loopback.contains("::ffff:127.0.0.1"))
    #expect(try #require(AddressPrefix("::1")).contains("::1"))
    #expect(AddressPrefix("127.0.0.0/33") == nil && AddressPrefix("host") == nil)
  }
}

@Suite struct ZoneFileIncludeTests {
  func parse(_ files: [String: String], main: String = "main.zone") throws -> Zone {
    try ZoneFileParser(file: main) { files[$0] }.parse(files[main]!)
  }

  @Test func includeReadsWithItsOriginAndRestoresOurs() throws {
    let zone = try parse([
      "main.zone": "$ORIGIN a.\n$TTL 1\n@ SOA ns hm 1 2 3 4 5\n$INCLUDE part sub\nafter A 192.0.2.2\n",
      "part": "x A 192.0.2.1\n",
    ])
    #expect(zone.records.map(\.name.description) == ["a.", "x.sub.a.", "after.a."])
  }

  @Test func errorsNameTheFileAndLine() {
    let cases: [([String: String], String, Int)] = [
      (
        ["main.zone": "$ORIGIN a.\n$TTL 1\n@ SOA ns hm 1 2 3 4 5\n$INCLUDE part\n", "part": "\n\nx A nope\n"], "part", 3
      ),
      (["main.zone": "$ORIGIN a.\n$TTL 1\n@ SOA ns hm 1 2 3 4 5\n$INCLUDE missing\n"], "main.zone", 4),
      (["main.zone": "$ORIGIN a.\n$TTL 1\n@ SOA ns hm 1 2 3 4 5\nx CNAME y\nx A 192.0.2.1\n"], "main.zone", 5),
      (["main.zone": "$ORIGIN a.\n$TTL 1\n@ SOA ns hm 1 2 3 4 5\nx A 192.0.2.1\nx CNAME y\n"], "main.zone", 5),
      (["main.zone": "$ORIGIN a.\n$TTL 1\n@ SOA ns hm 1 2 3 4 5\n\nb. A 192.0.2.1\n"], "main.zone", 5),
      (["main.zone": "$ORIGIN a.\n$TTL 1\n@ SOA ns hm 1 2 3 4 5\n$INCLUDE main.zone\n"], "main.zone", 4),
    ]
    for (files, file, line) in cases {
      do {
        _ = try parse(files)
        Issue.record("accepted: \(files)")
      } catch let error as ZoneFileParser.ParseError {
        #expect(error.file == file && error.line == line, "\(error)")
      } catch {
        Issue.record("\(error)")
      }
    }
  }

  @Test(arguments: ["rich.test.zone", "rare.test.zone"])
  func everyNewTypeRoundTripsThroughTextAndWire(_ file: String) throws {
    let zone = try AuthoritativeLookupTests.loadZone(file)
    var message = DNSMessage()
    message.answers = zone.records
    #expect(try DNSMessage(decoding: message.encoded()).answers == zone.records)
    for record in zone.records where record.type != .soa {
      #expect(!record.presentation.hasPrefix("\\#"), "\(record.type) printed generically")
      let line = "\(record.name) \(record.ttl) IN \(record.type) \(record.presentation)"
      let again = try ZoneFileParser(file: "x").parse(
        "$TTL 1\n@ IN SOA a. b. 1 2 3 4 5\n" + line + "\n", origin: zone.origin)
      #expect(again.records.last?.rdata == record.rdata, "\(line)")
    }
  }
}
