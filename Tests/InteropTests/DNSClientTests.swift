import DNS
import Foundation
import TestSupport
import Testing
import Transport

/// Every record type in the fixture zone, as (name, type).
let fixtureQuestions: [(String, String)] = [
  ("example.test", "A"), ("example.test", "AAAA"), ("example.test", "MX"), ("example.test", "TXT"),
  ("example.test", "SOA"), ("example.test", "NS"), ("example.test", "CAA"), ("_sip._tcp.example.test", "SRV"),
  ("naptr.example.test", "NAPTR"), ("ds.example.test", "DS"), ("ds2.example.test", "DS"),
  ("key.example.test", "DNSKEY"), ("sig.example.test", "RRSIG"), ("nsec.example.test", "NSEC"),
  ("svc.example.test", "SVCB"), ("web.example.test", "HTTPS"), ("unk.example.test", "TYPE65534"),
  ("ptr.example.test", "PTR"), ("www.example.test", "CNAME"), ("www.example.test", "A"),
  ("nope.example.test", "A"), ("_tcp.example.test", "A"), ("big.example.test", "TXT"),
]

func barenetDNS(_ arguments: [String], timeout: TimeInterval = 30) throws -> Command.Result {
  try Command.run(Command.barenet, ["dns"] + arguments, timeout: timeout)
}

/// `barenet dns` against nsd, compared with dig.
@Suite struct DNSClientTests {
  var nsd: NSDServer { .shared }

  var at: [String] { ["@127.0.0.1", "-p", "\(nsd.port)"] }

  @Test func shortOutputMatchesDigForEveryType() throws {
    for (name, type) in fixtureQuestions {
      let ours = try barenetDNS(at + ["+short", name, type])
      let digs = try Command.run("dig", at + ["+short", name, type])
      #expect(ours.status == 0, "\(name) \(type): \(ours.err)")
      #expect(ours.out == digs.out, "\(name) \(type)")
      #expect(!digs.out.isEmpty || name.hasPrefix("nope") || name.hasPrefix("_tcp"), "\(name) \(type)")
    }
  }

  @Test func fullOutputMatchesDigLineForLine() throws {
    func normalized(_ text: String) -> [String] {
      text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { line in
        !line.hasPrefix("; <<>>") && !line.hasPrefix(";; Query time") && !line.hasPrefix(";; WHEN")
      }.map { $0.replacing(/id: \d+/, with: "id: N") }
    }
    for (name, type) in [("example.test", "TXT"), ("nope.example.test", "A"), ("www.example.test", "A")] {
      let ours = try barenetDNS(at + [name, type])
      let digs = try Command.run("dig", at + [name, type])
      #expect(normalized(ours.out) == normalized(digs.out), "\(name) \(type)\n\(ours.out)\n\(digs.out)")
    }
  }

  @Test func nxdomainExitsZero() throws {
    let r = try barenetDNS(at + ["nope.example.test"])
    #expect(r.status == 0)
    #expect(r.out.contains("status: NXDOMAIN"))
  }

  @Test func truncatedAnswerIsRetriedOverTCP() throws {
    // nsd caps UDP answers at 1232 bytes; thirty long TXT records do not fit.
    let r = try barenetDNS(at + ["big.example.test", "TXT"])
    #expect(r.out.contains(";; Truncated, retrying in TCP mode."))
    #expect(r.out.contains("ANSWER: 30,"))
    #expect(r.out.contains("(TCP)"))
    let forced = try barenetDNS(at + ["+tcp", "+short", "example.test", "A"])
    #expect(forced.out == "192.0.2.1\n")
  }

  @Test func reverseLookupAndJSON() throws {
    let r = try barenetDNS(at + ["+json", "example.test", "MX"])
    let document = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
    #expect(document["status"] as? String == "NOERROR")
    let answers = try #require(document["answer"] as? [[String: Any]])
    #expect(answers.first?["data"] as? String == "10 mail.example.test.")
    let x = try barenetDNS(at + ["-x", "192.0.2.1"])
    #expect(x.out.contains(";1.2.0.192.in-addr.arpa.\t\tIN\tPTR"))
  }

  @Test func batchFileMatchesDigF() throws {
    let file = NSTemporaryDirectory() + "barenet-batch-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: file) }
    var lines: [String] = []
    for i in 0..<300 {
      let (name, type) = fixtureQuestions[i % fixtureQuestions.count]
      lines.append("\(name) \(type)")
    }
    try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
    let ours = try barenetDNS(at + ["+short", "-f", file])
    let digs = try Command.run("dig", at + ["+short", "-f", file], timeout: 120)
    #expect(ours.status == 0, "\(ours.err)")
    #expect(ours.out == digs.out)
  }

  @Test func layersAndHexDescribeTheExchange() throws {
    let r = try barenetDNS(at + ["+layers", "+hex", "example.test", "A"])
    for text in ["application  DNS", "transport    UDP", "network      IPv4", "link", "header 0-11", "HEX: query sent"]
    {
      #expect(r.out.contains(text), "\(text)")
    }
    // Running as root the figures come from a real capture.
    if getuid() == 0 { #expect(r.out.contains("[observed]")) }
    let tcp = try barenetDNS(at + ["+layers", "+tcp", "example.test", "A"])
    #expect(tcp.out.contains("transport    TCP"))
  }
}

/// The client's defences, against a responder the test itself plays.
@Suite struct DNSClientHostileTests {
  @Test func usageErrorsExitOne() throws {
    let r = try barenetDNS(["+frobnicate", "example.test"])
    #expect(r.status == 1)
    #expect(r.err.contains("Invalid option"))
    #expect(r.err.split(separator: "\n").count == 1)
  }

  @Test func silenceTimesOutWithExitNine() throws {
    let silent = try UDPSocket(boundTo: try SocketAddress(host: "127.0.0.1", port: 0))
    defer { silent.close() }
    let start = Date()
    let r = try barenetDNS(["@127.0.0.1", "-p", "\(try silent.localAddress().port)", "+time=1", "+tries=2", "x.test"])
    let elapsed = Date().timeIntervalSince(start)
    #expect(r.status == 9)
    #expect(r.err.contains("timed out") && r.out.isEmpty)
    #expect(elapsed >= 1.9 && elapsed < 6, "\(elapsed)")
  }

  @Test func strayAndForgedDatagramsAreIgnored() throws {
    let server = try UDPSocket(boundTo: try SocketAddress(host: "127.0.0.1", port: 0))
    defer { server.close() }
    let stranger = try UDPSocket(boundTo: try SocketAddress(host: "127.0.0.1", port: 0))
    defer { stranger.close() }
    let port = try server.localAddress().port
    let responder = Thread {
      for _ in 0..<400 {
        guard let (query, client) = (try? server.receive()) ?? nil else {
          usleep(10_000)
          continue
        }
        guard var message = try? DNSMessage(decoding: query) else { continue }
        message.header.isResponse = true
        message.answers = [
          DNSRecord(name: message.questions[0].name, type: .a, ttl: 60, rdata: [192, 0, 2, 99])
        ]
        var wrongID = message
        wrongID.header.id &+= 1
        wrongID.answers[0].rdata = [6, 6, 6, 1]
        var wrongQuestion = message
        wrongQuestion.questions[0].name = try! DNSName(parsing: "evil.test.")
        wrongQuestion.answers[0].rdata = [6, 6, 6, 2]
        var fromStranger = message
        fromStranger.answers[0].rdata = [6, 6, 6, 3]
        _ = try? server.send([0xde, 0xad, 0xbe, 0xef], to: client)  // garbage
        _ = try? server.send(wrongID.encoded(), to: client)
        _ = try? server.send(wrongQuestion.encoded(), to: client)
        _ = try? stranger.send(fromStranger.encoded(), to: client)
        usleep(50_000)
        _ = try? server.send(message.encoded(), to: client)
        return
      }
    }
    responder.start()
    let r = try barenetDNS(["@127.0.0.1", "-p", "\(port)", "+short", "+time=3", "x.test"])
    #expect(r.status == 0)
    #expect(r.out == "192.0.2.99\n")
    // Each reply that was not the answer is named on standard error, with its sender.
    #expect(r.err.contains(";; malformed reply from 127.0.0.1#\(port): message ends too early"), "\(r.err)")
    #expect(r.err.contains(";; mismatched reply from 127.0.0.1#\(port): ID mismatch"), "\(r.err)")
    #expect(r.err.contains(";; mismatched reply from 127.0.0.1#\(port): question mismatch"), "\(r.err)")
    #expect(r.err.contains(";; reply from unexpected source: 127.0.0.1#\(try stranger.localAddress().port)"))
  }

  @Test func onlyGarbageIsReportedAndExitsNine() throws {
    let server = try UDPSocket(boundTo: try SocketAddress(host: "127.0.0.1", port: 0))
    defer { server.close() }
    let port = try server.localAddress().port
    let responder = Thread {
      for _ in 0..<400 {
        guard let (query, client) = (try? server.receive()) ?? nil else {
          usleep(10_000)
          continue
        }
        // The query (header and question: +noedns), then an answer whose owner points at itself.
        var reply = query
        reply[2] |= 0x80
        reply[6] = 0
        reply[7] = 1
        reply[10] = 0
        reply[11] = 0
        let at = reply.count
        reply += [0xC0 | UInt8(at >> 8), UInt8(at & 0xFF), 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]
        _ = try? server.send(reply, to: client)
      }
    }
    responder.start()
    let r = try barenetDNS(["@127.0.0.1", "-p", "\(port)", "+short", "+time=1", "+tries=1", "+noedns", "x.test"])
    #expect(r.status == 9)
    #expect(r.out.isEmpty)
    #expect(r.err.contains(";; malformed reply from 127.0.0.1#\(port): compression pointer loop"), "\(r.err)")
  }
}

/// dig's column layout at every name length from 1 to 70, in the question and the answer.
@Suite struct DNSAlignmentTests {
  @Test func columnsMatchDigAtEveryNameLength() throws {
    var zone = "$ORIGIN .\n$TTL 300\n. SOA a. b. 1 2 3 4 5\n. NS a.\n"
    var names = ["."]
    for length in 2...70 {
      let name =
        length <= 64
        ? String(repeating: "a", count: length - 1) + "."
        : String(repeating: "a", count: 60) + "." + String(repeating: "b", count: length - 62) + "."
      names.append(name)
      zone += "\(name) A 192.0.2.1\n"
    }
    let file = NSTemporaryDirectory() + "barenet-align-\(UUID().uuidString).zone"
    try zone.write(toFile: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: file) }
    let server = try DNSTestServer(zoneFiles: [file])
    defer { server.stop() }
    for name in names {
      let type = name == "." ? "NS" : "A"
      let at = ["@127.0.0.1", "-p", "\(server.port)"]
      let digs = try Command.run("dig", at + ["+noall", "+question", "+answer", name, type])
      let ours = try barenetDNS(at + [name, type])
      let lines = ours.out.split(separator: "\n").map(String.init)
      let question = lines.first { $0.hasPrefix(";\(name == "." ? "." : "a")") }
      let answer = lines.first { $0.hasPrefix(name) && !$0.hasPrefix(";") }
      #expect([question, answer].compactMap { $0 } == digs.out.split(separator: "\n").map(String.init), "\(name)")
    }
  }
}

/// dig and kdig against `barenet dns-serve`, compared with nsd.
@Suite final class DNSResponderInteropTests {
  var nsd: NSDServer { .shared }
  let ours: DNSTestServer

  init() throws {
    ours = try DNSTestServer()
  }

  deinit { ours.stop() }

  @Test func digGetsWhatNsdGivesForEveryType() throws {
    for (name, type) in fixtureQuestions {
      for transport in [[], ["+tcp"]] {
        let fromUs = try Command.run("dig", ["@127.0.0.1", "-p", "\(ours.port)", "+short"] + transport + [name, type])
        let fromNSD = try Command.run("dig", ["@127.0.0.1", "-p", "\(nsd.port)", "+short"] + transport + [name, type])
        #expect(fromUs.out == fromNSD.out, "\(name) \(type) \(transport)")
      }
    }
  }

  @Test func kdigToo() throws {
    let r = try Command.run("kdig", ["@127.0.0.1", "-p", "\(ours.port)", "+short", "www.example.test", "A"])
    #expect(r.out == "example.test.\n192.0.2.1\n")
    let big = try Command.run("kdig", ["@127.0.0.1", "-p", "\(ours.port)", "big.example.test", "TXT"])
    #expect(big.out.contains("ANSWER: 30"), "\(big.out)")
  }

  @Test func statusesMatch() throws {
    for (name, status) in [
      ("nope.example.test", "NXDOMAIN"), ("www.other.test", "REFUSED"), ("ptr.example.test", "NOERROR"),
    ] {
      let r = try Command.run("dig", ["@127.0.0.1", "-p", "\(ours.port)", name, "A"])
      #expect(r.out.contains("status: \(status)"), "\(name)")
      if status != "REFUSED" { #expect(r.out.contains("flags: qr aa"), "\(name)") }
    }
    let noEDNS = try Command.run(
      "dig", ["@127.0.0.1", "-p", "\(ours.port)", "+noedns", "+ignore", "big.example.test", "TXT"])
    #expect(noEDNS.out.contains("flags: qr aa tc"))
  }

  @Test func barenetClientAgainstBarenetServer() throws {
    let r = try barenetDNS(["@127.0.0.1", "-p", "\(ours.port)", "big.example.test", "TXT"])
    #expect(r.out.contains(";; Truncated, retrying in TCP mode."))
    #expect(r.out.contains("ANSWER: 30,"))
  }

  @Test func malformedQueryGetsFormerr() throws {
    let client = try UDPSocket(family: AF_INET)
    defer { client.close() }
    var query = DNSMessage.query(DNSQuestion(name: try DNSName(parsing: "example.test."), type: .a)).encoded()
    query += [1, 2, 3]
    try client.send(query, to: try SocketAddress(host: "127.0.0.1", port: ours.port))
    #expect(client.socket.wait(for: .readable, milliseconds: 3000))
    let reply = try #require(try client.receive())
    #expect(reply.bytes[3] & 0x0F == 1)  // FORMERR
  }
}
