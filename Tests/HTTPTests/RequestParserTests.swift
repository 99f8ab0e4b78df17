import Testing

@testable import HTTP

/// Feeds `text` to a parser, optionally in pieces, and collects its events.
func events(_ text: String, pieceSize: Int? = nil, limits: RequestParser.Limits = .init()) -> [RequestParser.Event] {
  var parser = RequestParser(limits: limits)
  var buffer: [UInt8] = []
  var result: [RequestParser.Event] = []
  let bytes = Array(text.utf8)
  let step = pieceSize ?? max(bytes.count, 1)
  var offset = 0
  while offset < bytes.count {
    buffer += bytes[offset..<min(offset + step, bytes.count)]
    offset += step
    while !buffer.isEmpty {
      let (event, consumed) = buffer.withUnsafeBytes { parser.parse($0) }
      buffer.removeFirst(consumed)
      if event != .needMore { result.append(event) }
      if case .error = event { return result }
      if event == .needMore && (consumed == 0 || buffer.isEmpty) { break }
    }
  }
  return result
}

func firstRequest(_ text: String) -> Request? {
  if case .request(let r) = events(text).first { return r }
  return nil
}

func errorStatus(_ text: String, limits: RequestParser.Limits = .init()) -> Int? {
  for case .error(let e) in events(text, limits: limits) { return e.status.code }
  return nil
}

@Suite struct RequestParserTests {
  @Test func simpleGet() throws {
    let r = try #require(firstRequest("GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\n\r\n"))
    #expect(r.method == .get)
    #expect(r.path == "/a/b")
    #expect(r.query == "x=1")
    #expect(r.host == "h")
    #expect(r.userAgent == "t")
    #expect(r.keepAlive)
  }

  @Test func byteAtATimeGivesTheSameRequest() {
    let text = "GET /x HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\n\r\n"
    #expect(events(text, pieceSize: 1) == events(text))
    #expect(events(text, pieceSize: 1).count == 1)
  }

  @Test func pipelinedRequestsComeOutInOrder() {
    let text = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.0\r\n\r\n"
    let paths = events(text).compactMap { event -> String? in
      if case .request(let r) = event { return r.path }
      return nil
    }
    #expect(paths == ["/1", "/2", "/3"])
  }

  @Test func bareLineFeedsAndLeadingEmptyLinesAreAccepted() throws {
    let r = try #require(firstRequest("\r\n\nGET / HTTP/1.1\nHost: h\n\n"))
    #expect(r.path == "/")
  }

  @Test func http10KeepAliveRules() throws {
    #expect(try #require(firstRequest("GET / HTTP/1.0\r\n\r\n")).keepAlive == false)
    #expect(try #require(firstRequest("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")).keepAlive)
    #expect(try #require(firstRequest("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")).keepAlive == false)
    #expect(try #require(firstRequest("GET / HTTP/1.1\r\nHost: h\r\nConnection: x, Close\r\n\r\n")).keepAlive == false)
    #expect(try #require(firstRequest("GET / HTTP/1.0\r\nConnection:  Upgrade ,\tKEEP-ALIVE \r\n\r\n")).keepAlive)
    // Tokens are whole words: "closer" and "keep-alive-ish" are neither.
    #expect(try #require(firstRequest("GET / HTTP/1.1\r\nHost: h\r\nConnection: closer,,\r\n\r\n")).keepAlive)
    #expect(try #require(firstRequest("GET / HTTP/1.0\r\nConnection: keep-alive-ish\r\n\r\n")).keepAlive == false)
  }

  @Test func http11WithoutHostIs400() {
    #expect(errorStatus("GET / HTTP/1.1\r\n\r\n") == 400)
  }

  @Test func twoHostFieldsAre400() {
    #expect(errorStatus("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400)
  }

  @Test func whitespaceBeforeColonIs400() {
    #expect(errorStatus("GET / HTTP/1.1\r\nHost : h\r\n\r\n") == 400)
  }

  @Test func obsFoldIs400() {
    #expect(errorStatus("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  folded\r\n\r\n") == 400)
  }

  @Test func conflictingContentLengthsAre400() {
    #expect(errorStatus("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab") == 400)
    #expect(errorStatus("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 2\r\n\r\nab") == 400)
    #expect(errorStatus("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n") == 400)
    #expect(errorStatus("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n") == 400)
  }

  @Test func equalRepeatedContentLengthIsAccepted() throws {
    let r = try #require(firstRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\n\r\nab"))
    #expect(r.framing == .length(2))
  }

  @Test func contentLengthWithTransferEncodingIs400() {
    #expect(
      errorStatus("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        == 400)
  }

  @Test func transferEncodingNotEndingInChunkedIs400AndUnknownIs501() {
    #expect(errorStatus("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n") == 400)
    #expect(errorStatus("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == 501)
  }

  @Test func contentLengthBodyIsSkippedExactly() {
    let text = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
    for piece in [1, 3, 1000] {
      let e = events(text, pieceSize: piece)
      #expect(e.count == 3, "piece size \(piece)")
      if case .request(let r) = e.last { #expect(r.path == "/b") } else { Issue.record("no second request") }
    }
  }

  @Test func chunkedBodyIsSkippedExactly() {
    let text =
      "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      + "5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: x\r\n\r\n"
      + "GET /b HTTP/1.1\r\nHost: h\r\n\r\n"
    for piece in [1, 7, 1000] {
      let e = events(text, pieceSize: piece)
      #expect(e.count == 3, "piece size \(piece)")
      if case .request(let r) = e.last { #expect(r.path == "/b") } else { Issue.record("no second request") }
    }
  }

  @Test func hugeChunkSizesAreRefusedWithoutOverflow() {
    // Found by fuzz-http: sixteen hex digits overflowed Int while being read.
    let head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    #expect(errorStatus(head + "858888888888888888888888\r\n") == 413)
    #expect(errorStatus(head + "ffffffffffffffff\r\n") == 413)
  }

  @Test func malformedChunksAre400() {
    let head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    #expect(errorStatus(head + "zz\r\n") == 400)
    #expect(errorStatus(head + "3\r\nabcdef\r\n") == 400)
  }

  @Test func oversizedBodiesAre413() {
    var limits = RequestParser.Limits()
    limits.body = 10
    #expect(errorStatus("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits) == 413)
    #expect(
      errorStatus(
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n", limits: limits)
        == 413)
    #expect(errorStatus("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n") == 400)
  }

  @Test func longRequestLineIs414() {
    let long = "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: h\r\n\r\n"
    #expect(errorStatus(long) == 414)
    // Also when the line has not ended yet.
    #expect(errorStatus("GET /" + String(repeating: "a", count: 9000)) == 414)
  }

  @Test func largeHeaderSectionIs431() {
    let big =
      "GET / HTTP/1.1\r\nHost: h\r\n"
      + String(repeating: "X-Pad: " + String(repeating: "p", count: 1000) + "\r\n", count: 70)
    #expect(errorStatus(big + "\r\n") == 431)
    #expect(errorStatus(big) == 431)
  }

  @Test func tooManyHeaderFieldsIs431() {
    let many = "GET / HTTP/1.1\r\nHost: h\r\n" + String(repeating: "X: y\r\n", count: 101) + "\r\n"
    #expect(errorStatus(many) == 431)
  }

  @Test func versions() throws {
    #expect(errorStatus("GET / HTTP/2.0\r\n\r\n") == 505)
    #expect(errorStatus("GET / HTTP/3\r\n\r\n") == 505)
    #expect(errorStatus("GET / HTTP/0.9\r\n\r\n") == 400)
    #expect(errorStatus("GET / HTTX/1.1\r\n\r\n") == 400)
    #expect(errorStatus("GET /\r\n\r\n") == 400)
    #expect(try #require(firstRequest("GET / HTTP/1.2\r\nHost: h\r\n\r\n")).minorVersion == 1)
  }

  @Test func malformedRequestLines() {
    #expect(errorStatus("GET  HTTP/1.1\r\nHost: h\r\n\r\n") == 400)
    #expect(errorStatus("G(T / HTTP/1.1\r\nHost: h\r\n\r\n") == 400)
    #expect(errorStatus("GET noslash HTTP/1.1\r\nHost: h\r\n\r\n") == 400)
    #expect(errorStatus("GET * HTTP/1.1\r\nHost: h\r\n\r\n") == 400)
    #expect(errorStatus("GET /a\u{1}b HTTP/1.1\r\nHost: h\r\n\r\n") == 400)
  }

  @Test func controlCharactersInValuesAre400() {
    #expect(errorStatus("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}b\r\n\r\n") == 400)
    #expect(errorStatus("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n") == 400)
    #expect(errorStatus("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n") == 400)
  }

  @Test func absoluteFormTakesHostAndPath() throws {
    let r = try #require(firstRequest("GET http://example.test:8080/a%20b?q HTTP/1.1\r\nHost: other\r\n\r\n"))
    #expect(r.host == "example.test:8080")
    #expect(r.path == "/a%20b")
    #expect(r.query == "q")
    let bare = try #require(firstRequest("GET http://example.test HTTP/1.1\r\nHost: x\r\n\r\n"))
    #expect(bare.path == "/")
  }

  @Test func optionsAsterisk() throws {
    #expect(try #require(firstRequest("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n")).method == .options)
  }

  @Test func expectations() throws {
    let r = try #require(
      firstRequest("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx"))
    #expect(r.expectContinue)
    #expect(errorStatus("GET / HTTP/1.1\r\nHost: h\r\nExpect: teapot\r\n\r\n") == 417)
  }

  @Test func unknownMethodsParse() throws {
    #expect(try #require(firstRequest("BREW / HTTP/1.1\r\nHost: h\r\n\r\n")).method == .other("BREW"))
  }

  @Test func headerNamesAreCaseInsensitive() throws {
    let r = try #require(firstRequest("GET / HTTP/1.1\r\nhOsT: h\r\nIF-NONE-MATCH: \"a\"\r\nrange: bytes=1-\r\n\r\n"))
    #expect(r.ifNoneMatch == "\"a\"")
    #expect(r.range == "bytes=1-")
  }

  @Test func garbageNeverCrashes() {
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<2000 {
      let count = Int.random(in: 0..<300, using: &generator)
      let seed = "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      var bytes = Array(seed.utf8)
      for _ in 0..<count { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
      if Bool.random(using: &generator) { bytes.shuffle(using: &generator) }
      _ = events(String(decoding: bytes, as: UTF8.self), pieceSize: Int.random(in: 1...64, using: &generator))
    }
  }
}

@Suite struct RequestBodyTests {
  /// Feeds `text` in pieces of `step` bytes and collects the body bytes the parser hands out.
  func body(_ text: String, step: Int) -> (bytes: [UInt8], completed: Bool) {
    var parser = RequestParser()
    var buffer: [UInt8] = []
    var collected: [UInt8] = []
    var completed = false
    for chunk in Array(text.utf8).chunked(by: step) {
      buffer += chunk
      while !buffer.isEmpty {
        let (event, consumed) = buffer.withUnsafeBytes { raw in
          parser.parse(raw) { collected += $0 }
        }
        buffer.removeFirst(consumed)
        if event == .bodyComplete { completed = true }
        if event == .needMore && consumed == 0 { break }
      }
    }
    return (collected, completed)
  }

  @Test func bodyBytesArriveExactlyWhateverThePieces() {
    let length = "PUT /f HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world"
    let chunked =
      "PUT /f HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    for step in [1, 2, 7, 1000] {
      #expect(body(length, step: step) == (Array("hello world".utf8), true), "step \(step)")
      #expect(body(chunked, step: step) == (Array("hello world".utf8), true), "step \(step)")
    }
  }
}

extension Array {
  fileprivate func chunked(by size: Int) -> [ArraySlice<Element>] {
    stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
  }
}
