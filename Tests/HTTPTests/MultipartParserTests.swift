import Testing

@testable import HTTP

/// The multipart/form-data parser, fed whole and in every split, and fed hostile bodies.
@Suite struct MultipartParserTests {
  let body = Array(
    ("preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".txt\"\r\n"
      + "Content-Type: text/plain\r\n\r\nhello\r\n-- XyZ\r\nworld\r\n--XyZ\r\n"
      + "Content-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--XyZ--\r\nepilogue").utf8)

  /// Runs the parser over `bytes` cut at `cuts`, joining data events per part.
  func parts(_ bytes: [UInt8], cuts: [Int] = [], boundary: String = "XyZ") -> [(headers: [String], data: String)]? {
    var parser = MultipartParser(boundary: boundary)
    var events: [MultipartParser.Event] = []
    var start = 0
    for cut in cuts + [bytes.count] {
      events += parser.feed(bytes[start..<cut])
      start = cut
    }
    events += parser.finish()
    var result: [(headers: [String], data: String)] = []
    for event in events {
      switch event {
      case .partStart(let headers): result.append((headers.map { "\($0.name)=\($0.value)" }, ""))
      case .data(let bytes): result[result.count - 1].data += String(decoding: bytes, as: UTF8.self)
      case .failed: return nil
      case .partEnd, .end: continue
      }
    }
    return result
  }

  @Test func partsComeOutWholeAtEverySplit() throws {
    for cut in 0...body.count {
      let found = try #require(parts(body, cuts: [cut]), "cut at \(cut)")
      #expect(found.map(\.data) == ["hello\r\n-- XyZ\r\nworld", "hi"], "cut at \(cut)")
      #expect(found[0].headers.contains("content-type=text/plain"))
    }
    let oneByteAtATime = parts(body, cuts: Array(1..<body.count))
    #expect(oneByteAtATime?.map(\.data) == ["hello\r\n-- XyZ\r\nworld", "hi"])
  }

  @Test func filenamesAndBoundariesAreReadCarefully() {
    let headers = [
      MultipartParser.Header(name: "content-disposition", value: "form-data; name=\"f\"; filename=\"a \\\"b\\\".txt\"")
    ]
    #expect(MultipartParser.filename(in: headers) == "a \"b\".txt")
    #expect(
      MultipartParser.filename(in: [MultipartParser.Header(name: "content-disposition", value: "form-data; name=\"x\"")]
      ) == nil)
    #expect(MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=abc") == "abc")
    #expect(MultipartParser.boundary(fromContentType: "Multipart/Form-Data; charset=x; boundary=\"a b\"") == "a b")
    #expect(MultipartParser.boundary(fromContentType: "multipart/form-data") == nil)
    #expect(MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=") == nil)
    #expect(
      MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=" + String(repeating: "b", count: 71))
        == nil)
    #expect(MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=a\u{1}b") == nil)
    #expect(MultipartParser.boundary(fromContentType: "text/plain; boundary=abc") == nil)
  }

  @Test func hostileBodiesFail() {
    // No closing boundary: the upload must not count as complete.
    #expect(parts(Array("--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nhalf".utf8)) == nil)
    // A part head that never ends, over the limit.
    #expect(parts(Array(("--XyZ\r\nX: " + String(repeating: "a", count: 10_000)).utf8)) == nil)
    // Junk after a delimiter, a header line without a colon.
    #expect(parts(Array("--XyZjunk\r\n\r\n--XyZ--".utf8)) == nil)
    #expect(parts(Array("--XyZ\r\nno colon here\r\n\r\nx\r\n--XyZ--".utf8)) == nil)
    // Nothing but a preamble.
    #expect(parts(Array(String(repeating: "x", count: 5000).utf8)) == nil)
    // An empty form is fine.
    #expect(parts(Array("--XyZ--\r\n".utf8))?.isEmpty == true)
  }
}
