import Foundation
import ServerCore
import TestSupport
import Testing

@testable import HTTP

/// The HTTP connection state machine, driven with bytes and events and no socket: routing,
/// keep-alive, pipelining, 100-continue, bodies on refused methods, timeouts, half-close, and
/// the rule that every request gets exactly one response whatever the arrival order.
@Suite final class HTTPConnectionTests {
  let root: String

  init() throws {
    root = try Fixture.site()
  }

  deinit { Fixture.remove(root) }

  func connection(_ configure: (inout FileServerOptions) -> Void = { _ in }) throws -> HTTPConnection {
    var options = FileServerOptions(root: root)
    configure(&options)
    return HTTPConnection(service: try FileService(options: options), auth: nil, timeouts: HTTPTimeouts())
  }

  /// What a glue would see: feeds `chunks` one after another, keeping unread bytes as a socket's
  /// input buffer would (in `pending`), and returns every action, ending with the deadline.
  func feed(_ machine: inout HTTPConnection, _ chunks: [[UInt8]], now: Int64 = 1000, pending: inout [UInt8])
    -> [HTTPAction]
  {
    var actions: [HTTPAction] = []
    for chunk in chunks {
      pending += chunk
      while !pending.isEmpty && !machine.closing {
        let (consumed, again) = pending.withUnsafeBytes {
          machine.receive($0, now: now, backlog: 0, into: &actions)
        }
        pending.removeFirst(consumed)
        if !again { break }
      }
      machine.waiting(now: now, inputPending: !pending.isEmpty, into: &actions)
    }
    return actions
  }

  func feed(_ machine: inout HTTPConnection, _ chunks: [[UInt8]], now: Int64 = 1000) -> [HTTPAction] {
    var pending: [UInt8] = []
    return feed(&machine, chunks, now: now, pending: &pending)
  }

  /// `feed` on a fresh connection.
  func feed(_ machine: HTTPConnection, _ chunks: [[UInt8]]) -> [HTTPAction] {
    var fresh = machine
    return feed(&fresh, chunks)
  }

  func statuses(_ actions: [HTTPAction]) -> [Int] {
    actions.compactMap { if case .respond(let a) = $0 { a.response.status.code } else { nil } }
  }

  func closes(_ actions: [HTTPAction]) -> Bool {
    actions.contains { if case .closeAfterWrites = $0 { true } else { false } }
  }

  func interim(_ actions: [HTTPAction]) -> Int {
    actions.filter { if case .write = $0 { true } else { false } }.count
  }

  /// Every way of cutting `bytes` in two, plus one byte at a time.
  func arrivals(_ text: String) -> [[[UInt8]]] {
    let bytes = Array(text.utf8)
    return (0...bytes.count).map { [Array(bytes[..<$0]), Array(bytes[$0...])] } + [bytes.map { [$0] }]
  }

  @Test func pipelinedRequestsAreAnsweredInOrderAndTheConnectionStays() throws {
    let machine = try connection()
    let actions = feed(
      machine, [Array("GET /hello.txt HTTP/1.1\r\nHost: h\r\n\r\nHEAD /nope HTTP/1.1\r\nHost: h\r\n\r\n".utf8)])
    #expect(statuses(actions) == [200, 404])
    #expect(!closes(actions))
    guard case .setDeadline(let at) = actions.last else {
      Issue.record("no deadline")
      return
    }
    #expect(at == 1000 + HTTPTimeouts().idle)
  }

  @Test func aRefusedMalformedBodyGetsOneResponseInEveryArrivalOrder() throws {
    // The body is never read: one 405 that closes, never a second 400 for the bad chunk.
    let request = "POST /style.css HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
    for chunks in arrivals(request) {
      let actions = feed(try connection(), chunks)
      #expect(statuses(actions) == [405], "\(chunks.map(\.count))")
      #expect(closes(actions))
    }
  }

  @Test func anAnsweredRequestsMalformedBodyEndsTheConnectionWithoutASecondResponse() throws {
    let request = "GET /hello.txt HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
    for chunks in arrivals(request) {
      let actions = feed(try connection(), chunks)
      #expect(statuses(actions) == [200], "\(chunks.map(\.count))")
      #expect(closes(actions))
    }
  }

  @Test func aWellFormedBodyOnAnAnsweredRequestIsDroppedAndTheNextRequestServed() throws {
    let two =
      "GET /hello.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
      + "GET /page.html HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
      + "GET /nope HTTP/1.1\r\nHost: h\r\n\r\n"
    for chunks in arrivals(two) {
      let actions = feed(try connection(), chunks)
      #expect(statuses(actions) == [200, 200, 404], "\(chunks.map(\.count))")
      #expect(!closes(actions))
    }
  }

  @Test func oneResponsePerRequestForRefusedUploads() throws {
    // A PUT that would replace a file without --overwrite: 409, the body unread, the connection
    // closed, in every arrival order (a malformed body included).
    for body in ["5\r\nhello\r\n0\r\n\r\n", "zz\r\nhello\r\n0\r\n\r\n"] {
      for chunks in arrivals("PUT /hello.txt HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + body) {
        let actions = feed(try connection { $0.uploads.enabled = true }, chunks)
        #expect(statuses(actions) == [409], "\(chunks.map(\.count))")
        #expect(closes(actions))
      }
    }
  }

  @Test func continueIsSentOnlyWhenTheBodyIsWanted() throws {
    let wanted = feed(
      try connection { $0.uploads.enabled = true },
      [Array("PUT /new.txt HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8)])
    #expect(interim(wanted) == 1)
    #expect(statuses(wanted).isEmpty)
    let refused = feed(
      try connection(),
      [Array("PUT /new.txt HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8)])
    #expect(interim(refused) == 0)
    #expect(statuses(refused) == [405])
    #expect(closes(refused))
  }

  @Test func anUploadIsAnsweredWhenItsBodyHasArrived() throws {
    var machine = try connection { $0.uploads.enabled = true }
    let head = feed(&machine, [Array("PUT /new.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\nup".utf8)])
    #expect(statuses(head).isEmpty)
    let rest = feed(&machine, [Array("load".utf8)])
    #expect(statuses(rest) == [201])
    #expect(try String(contentsOfFile: root + "/new.txt", encoding: .utf8) == "upload")
  }

  @Test func methodsAreRoutedInOnePlace() throws {
    var machine = try connection()
    func answer(_ method: String) -> HTTPAnswer? {
      let actions = feed(&machine, [Array("\(method) /hello.txt HTTP/1.1\r\nHost: h\r\n\r\n".utf8)])
      for case .respond(let answer) in actions { return answer }
      return nil
    }
    let options = try #require(answer("OPTIONS"))
    #expect(options.response.status == .noContent)
    #expect(options.response.header("DAV") == "1")
    #expect(options.response.header("Allow") == "GET, HEAD, OPTIONS, PROPFIND")
    for method in ["POST", "PUT", "DELETE", "MOVE", "COPY", "MKCOL", "PATCH"] {
      let refused = try #require(answer(method))
      #expect(refused.response.status == .methodNotAllowed, "\(method)")
      #expect(refused.response.header("Allow") == "GET, HEAD, OPTIONS, PROPFIND")
    }
    #expect(answer("BREW")?.response.status == .unimplemented)
    #expect(answer("HEAD")?.withBody == false)
  }

  @Test func keepAliveFollowsTheVersionAndConnectionField() throws {
    func answer(_ head: String) throws -> HTTPAnswer? {
      for case .respond(let answer) in feed(try connection(), [Array(head.utf8)]) { return answer }
      return nil
    }
    #expect(try answer("GET /hello.txt HTTP/1.1\r\nHost: h\r\n\r\n")?.connectionField == nil)
    #expect(try answer("GET /hello.txt HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")?.closes == true)
    #expect(try answer("GET /hello.txt HTTP/1.0\r\n\r\n")?.connectionField == "close")
    #expect(try answer("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")?.connectionField == "keep-alive")
  }

  @Test func deadlines() throws {
    // Part of a head, then silence: 408 and close.
    var slow = try connection()
    _ = feed(&slow, [Array("GET /hello.txt HTTP/1.1\r\nHo".utf8)])
    var actions: [HTTPAction] = []
    slow.deadlinePassed(now: 30_000, backlog: 0, inputPending: true, into: &actions)
    #expect(statuses(actions) == [408])
    #expect(closes(actions))
    // Idle between requests: closed without a word.
    var idle = try connection()
    _ = feed(&idle, [Array("GET /hello.txt HTTP/1.1\r\nHost: h\r\n\r\n".utf8)])
    actions = []
    idle.deadlinePassed(now: 60_000, backlog: 0, inputPending: false, into: &actions)
    #expect(statuses(actions).isEmpty && closes(actions))
    // An answered request whose body stalls: closed without a second response.
    var stalled = try connection()
    #expect(
      statuses(feed(&stalled, [Array("GET /hello.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\nab".utf8)])) == [
        200
      ])
    actions = []
    stalled.deadlinePassed(now: 60_000, backlog: 0, inputPending: false, into: &actions)
    #expect(statuses(actions).isEmpty && closes(actions))
    // Output still queued: the write-stall bound, no response.
    var writing = try connection()
    actions = []
    writing.deadlinePassed(now: 5, backlog: 100, inputPending: false, into: &actions)
    guard case .setDeadline(let at) = actions.first else {
      Issue.record("no deadline")
      return
    }
    #expect(at == 5 + HTTPTimeouts().writeStall)
  }

  @Test func halfCloseFinishesQueuedAnswersThenCloses() throws {
    var machine = try connection()
    var actions = feed(&machine, [Array("GET /hello.txt HTTP/1.1\r\nHost: h\r\n\r\n".utf8)])
    machine.endOfInput(into: &actions)
    #expect(statuses(actions) == [200])
    #expect(closes(actions))
  }

  @Test func backedUpOutputPausesReadingUntilDrained() throws {
    var machine = try connection()
    var actions: [HTTPAction] = []
    let request = Array("GET /hello.txt HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
    let (consumed, again) = request.withUnsafeBytes {
      machine.receive($0, now: 0, backlog: HTTPConnection.highWater + 1, into: &actions)
    }
    #expect(consumed == 0 && !again)
    guard case .pauseReading = actions.first else {
      Issue.record("not paused")
      return
    }
    actions = []
    machine.drained(into: &actions)
    guard case .resumeReading = actions.first else {
      Issue.record("not resumed")
      return
    }
  }

  @Test func stoppingMakesTheAnswerUnderWayTheLast() throws {
    var machine = try connection()
    var pending: [UInt8] = []
    var actions = feed(&machine, [Array("GET /hello.txt HTTP/1.1\r\nHo".utf8)], pending: &pending)
    machine.serverStopping(backlog: 0, inputPending: true, into: &actions)
    #expect(!closes(actions))  // a request is under way: it is answered first
    actions = feed(&machine, [Array("st: h\r\n\r\n".utf8)], pending: &pending)
    #expect(statuses(actions) == [200])
    #expect(closes(actions))
  }
}

/// The glue that carries `HTTPConnection`'s actions out, on an in-memory connection.
@Suite final class HTTPConnectionHandlerTests {
  let root: String

  init() throws {
    root = try Fixture.site()
  }

  deinit { Fixture.remove(root) }

  func embedded() throws -> EmbeddedConnection {
    let service = try FileService(options: FileServerOptions(root: root))
    return try EmbeddedConnection { _ in
      HTTPConnectionHandler(
        service: service, log: LineLog(sink: nil), dates: DateCache(), timeouts: HTTPTimeouts(), auth: nil,
        scratch: HTTPConnectionHandler.ActionScratch())
    }
  }

  @Test func aRefusedMalformedBodyGetsOneResponseAndTheConnectionEnds() throws {
    let c = try embedded()
    try c.writeInbound("POST /style.css HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
    try c.writeInbound("zz\r\nhello\r\n0\r\n\r\n")
    let out = c.readOutboundText()
    #expect(out.components(separatedBy: "HTTP/1.1 ").count == 2, "\(out)")
    #expect(out.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
    #expect(out.contains("\r\nConnection: close\r\n"))
    #expect(c.farEndSawEOF)
  }

  @Test func headSendsTheHeadOnlyAndPipelinedAnswersKeepTheirOrder() throws {
    let c = try embedded()
    try c.writeInbound("HEAD /hello.txt HTTP/1.1\r\nHost: h\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: h\r\n\r\n")
    let out = c.readOutboundText()
    let parts = out.components(separatedBy: "HTTP/1.1 200 OK\r\n")
    #expect(parts.count == 3)
    #expect(!parts[1].contains("Hello, world!"))
    #expect(parts[2].hasSuffix("\r\n\r\nHello, world!\n"))
    #expect(!c.farEndSawEOF)
  }
}
