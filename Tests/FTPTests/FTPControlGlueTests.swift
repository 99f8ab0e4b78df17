import Foundation
import ServerCore
import TestSupport
import Testing
import Transport

@testable import FTP

/// FTP's control-connection glue on an in-memory connection (no port, no network): the
/// greeting, command lines split anywhere, replies in order, the session limit, the idle timer
/// and QUIT's close.
@Suite final class FTPControlGlueTests {
  let root: String

  init() throws {
    root = try Fixture.site()
  }

  deinit { Fixture.remove(root) }

  func control(_ configure: (inout FTPServerConfiguration) -> Void = { _ in }) throws -> EmbeddedConnection {
    var configuration = FTPServerConfiguration(root: root)
    configuration.log = nil
    configure(&configuration)
    let jail = PathResolver(root: root, allowDotfiles: false)
    let sessions = SessionCounter()
    return try EmbeddedConnection { connection in
      FTPControlHandler(
        connection: connection, jail: jail, configuration: configuration, sessions: sessions,
        log: LineLog(sink: nil))
    }
  }

  @Test func greetsThenAnswersLinesHoweverTheyAreCut() throws {
    let c = try control()
    #expect(c.readOutboundText() == "220 barenet FTP server ready.\r\n")
    try c.writeInbound("US")
    #expect(c.readOutboundText().isEmpty)  // half a line: nothing yet
    try c.writeInbound("ER anonymous\r\nPASS x@y\r\nPW")
    let replies = c.readOutboundText()
    #expect(replies.hasPrefix("331 "))
    #expect(replies.contains("\r\n230 "))
    try c.writeInbound("D\r\n")
    #expect(c.readOutboundText() == "257 \"/\" is the current directory.\r\n")
  }

  @Test func quitClosesCalmly() throws {
    let c = try control()
    _ = c.readOutbound()
    try c.writeInbound("QUIT\r\n")
    #expect(c.readOutboundText().hasPrefix("221 "))
    #expect(c.farEndSawEOF)
  }

  @Test func anIdleSessionIsToldAndClosed() throws {
    let c = try control { $0.idleTimeout = 1 }
    _ = c.readOutbound()
    c.advanceTime(by: 5_000)
    #expect(c.readOutboundText().hasPrefix("421 "))
    #expect(c.farEndSawEOF)
  }

  @Test func sessionsOverTheLimitAreRefusedAtOnce() throws {
    let c = try control { $0.maxSessions = 0 }
    #expect(c.readOutboundText().hasPrefix("421 "))
    #expect(c.farEndSawEOF)
  }
}
