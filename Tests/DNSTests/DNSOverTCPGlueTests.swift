import Foundation
import ServerCore
import TestSupport
import Testing
import Transport

@testable import DNS

/// DNS over TCP's glue on an in-memory connection: 2-byte framing split anywhere, pipelined
/// queries answered in order, the idle timer.
@Suite struct DNSOverTCPGlueTests {
  let responder: Responder

  init() throws {
    let text = try String(
      contentsOf: Fixture.packageRoot.appendingPathComponent("fixtures/zones/example.test.zone"), encoding: .utf8)
    responder = Responder(zones: [try ZoneFileParser(file: "example.test.zone").parse(text)])
  }

  func framed(_ name: String, id: UInt16) throws -> [UInt8] {
    var query = DNSMessage.query(DNSQuestion(name: try DNSName(parsing: name), type: .a))
    query.header.id = id
    let bytes = query.encoded()
    return [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
  }

  /// The messages in a stream of 2-byte-framed ones.
  func messages(_ stream: [UInt8]) throws -> [DNSMessage] {
    var out: [DNSMessage] = []
    var at = 0
    while at + 2 <= stream.count {
      let length = Int(stream[at]) << 8 | Int(stream[at + 1])
      out.append(try DNSMessage(decoding: Array(stream[(at + 2)..<(at + 2 + length)])))
      at += 2 + length
    }
    #expect(at == stream.count)
    return out
  }

  @Test func framesSplitAnywhereAndPipelinedQueriesAreAnsweredInOrder() throws {
    let c = try EmbeddedConnection { _ in DNSOverTCP(responder: responder, log: LineLog(sink: nil), transport: "tcp") }
    let stream = try framed("www.example.test.", id: 1) + framed("nope.example.test.", id: 2)
    for byte in stream.prefix(5) { try c.writeInbound([byte]) }  // the first frame a byte at a time
    #expect(c.readOutbound().isEmpty)
    try c.writeInbound(Array(stream.dropFirst(5)))
    let answers = try messages(c.readOutbound())
    #expect(answers.map(\.header.id) == [1, 2])
    #expect(answers[0].header.rcode == 0 && !answers[0].answers.isEmpty)
    #expect(answers[1].header.rcode == 3)  // NXDOMAIN
  }

  @Test func anIdleConnectionIsClosed() throws {
    let c = try EmbeddedConnection { _ in DNSOverTCP(responder: responder, log: LineLog(sink: nil), transport: "tcp") }
    c.advanceTime(by: DNSOverTCP.idleMilliseconds + 1)
    #expect(c.farEndSawEOF)
  }
}
