import CZlib
import ServerCore
import Testing

@testable import HTTP

@Suite struct HTTPDateTests {
  @Test func formatsIMFFixdate() {
    #expect(HTTPDate.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
    #expect(UTC(784_111_777).logFormat == "06/Nov/1994:08:49:37 +0000")
  }

  @Test func parsesTheThreeFormats() {
    #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
    #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
    #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == 784_111_777)
  }

  @Test func rejectsGarbage() {
    #expect(HTTPDate.parse("yesterday") == nil)
    #expect(HTTPDate.parse("Sun, 36 Nov 1994 08:49:37 GMT") == nil)
    #expect(HTTPDate.parse("Sun, 06 Foo 1994 08:49:37 GMT") == nil)
    #expect(HTTPDate.parse("") == nil)
  }
}

@Suite struct RangesTests {
  @Test func singleRanges() {
    #expect(Ranges.evaluate("bytes=0-9", size: 100) == .partial([0...9]))
    #expect(Ranges.evaluate("bytes=90-", size: 100) == .partial([90...99]))
    #expect(Ranges.evaluate("bytes=-10", size: 100) == .partial([90...99]))
    #expect(Ranges.evaluate("bytes=-500", size: 100) == .partial([0...99]))
    #expect(Ranges.evaluate("bytes=50-5000", size: 100) == .partial([50...99]))
    #expect(Ranges.evaluate("BYTES=1-1", size: 100) == .partial([1...1]))
  }

  @Test func multipleRangesKeepTheirOrderUnlessTheyOverlap() {
    #expect(Ranges.evaluate("bytes=50-59, 0-9", size: 100) == .partial([50...59, 0...9]))
    #expect(Ranges.evaluate("bytes=0-10,5-20,30-40", size: 100) == .partial([0...20, 30...40]))
  }

  @Test func unsatisfiable() {
    #expect(Ranges.evaluate("bytes=100-", size: 100) == .unsatisfiable)
    #expect(Ranges.evaluate("bytes=200-300", size: 100) == .unsatisfiable)
    #expect(Ranges.evaluate("bytes=-0", size: 100) == .unsatisfiable)
    #expect(Ranges.evaluate("bytes=0-", size: 0) == .unsatisfiable)
  }

  @Test func invalidSyntaxIsIgnored() {
    #expect(Ranges.evaluate("bytes=9-1", size: 100) == .full)
    #expect(Ranges.evaluate("bytes=a-b", size: 100) == .full)
    #expect(Ranges.evaluate("items=0-1", size: 100) == .full)
    #expect(Ranges.evaluate("bytes=", size: 100) == .full)
    #expect(Ranges.evaluate("bytes=-", size: 100) == .full)
  }

  @Test func manySmallRangesAreMergedOrRefused() {
    let many = "bytes=" + (0..<200).map { "\($0)-\($0)" }.joined(separator: ",")
    #expect(Ranges.evaluate(many, size: 1000) == .partial([0...199]))
    let spread = "bytes=" + (0..<200).map { "\($0 * 3)-\($0 * 3)" }.joined(separator: ",")
    #expect(Ranges.evaluate(spread, size: 1000) == .full)
  }
}

@Suite struct ConditionalTests {
  let v = Validators(etag: "\"abc\"", lastModified: 1000)

  func request(_ fields: (inout Request) -> Void) -> Request {
    var r = Request(method: .get, target: "/", minorVersion: 1)
    fields(&r)
    return r
  }

  @Test func ifNoneMatch() {
    #expect(Conditional.evaluate(request { $0.ifNoneMatch = "\"abc\"" }, v) == .notModified)
    #expect(Conditional.evaluate(request { $0.ifNoneMatch = "W/\"abc\"" }, v) == .notModified)
    #expect(Conditional.evaluate(request { $0.ifNoneMatch = "\"x\", \"abc\"" }, v) == .notModified)
    #expect(Conditional.evaluate(request { $0.ifNoneMatch = "*" }, v) == .notModified)
    #expect(Conditional.evaluate(request { $0.ifNoneMatch = "\"x\"" }, v) == .proceed)
  }

  @Test func ifNoneMatchTakesPrecedenceOverIfModifiedSince() {
    let r = request {
      $0.ifNoneMatch = "\"other\""
      $0.ifModifiedSince = HTTPDate.format(2000)
    }
    #expect(Conditional.evaluate(r, v) == .proceed)
  }

  @Test func ifModifiedSince() {
    #expect(Conditional.evaluate(request { $0.ifModifiedSince = HTTPDate.format(1000) }, v) == .notModified)
    #expect(Conditional.evaluate(request { $0.ifModifiedSince = HTTPDate.format(999) }, v) == .proceed)
    #expect(Conditional.evaluate(request { $0.ifModifiedSince = "garbage" }, v) == .proceed)
  }

  @Test func ifMatchAndIfUnmodifiedSince() {
    #expect(Conditional.evaluate(request { $0.ifMatch = "\"nope\"" }, v) == .preconditionFailed)
    #expect(Conditional.evaluate(request { $0.ifMatch = "W/\"abc\"" }, v) == .preconditionFailed)
    #expect(Conditional.evaluate(request { $0.ifMatch = "\"abc\"" }, v) == .proceed)
    #expect(Conditional.evaluate(request { $0.ifUnmodifiedSince = HTTPDate.format(999) }, v) == .preconditionFailed)
  }

  @Test func ifRange() {
    #expect(Conditional.ifRangeHolds("\"abc\"", v))
    #expect(!Conditional.ifRangeHolds("W/\"abc\"", v))
    #expect(!Conditional.ifRangeHolds("\"old\"", v))
    #expect(Conditional.ifRangeHolds(HTTPDate.format(1000), v))
    #expect(!Conditional.ifRangeHolds(HTTPDate.format(999), v))
  }
}

@Suite struct ContentCodingTests {
  @Test func acceptEncoding() {
    #expect(ContentCoding.acceptsGzip("gzip"))
    #expect(ContentCoding.acceptsGzip("deflate, gzip;q=0.5"))
    #expect(ContentCoding.acceptsGzip("x-gzip"))
    #expect(ContentCoding.acceptsGzip("*"))
    #expect(!ContentCoding.acceptsGzip("gzip;q=0"))
    #expect(!ContentCoding.acceptsGzip("gzip; q=0.000"))
    #expect(!ContentCoding.acceptsGzip("*, gzip;q=0"))
    #expect(!ContentCoding.acceptsGzip("*;q=0"))
    #expect(!ContentCoding.acceptsGzip("br, deflate"))
    #expect(!ContentCoding.acceptsGzip(nil))
  }

  @Test func gzipRoundTripsThroughZlib() throws {
    let text = Array(String(repeating: "barenet compresses text. ", count: 200).utf8)
    let gz = try #require(ContentCoding.gzip(text))
    #expect(gz.count < text.count / 5)
    #expect(gz.prefix(2) == [0x1f, 0x8b])
    #expect(inflate(gz) == text)
  }

  func inflate(_ data: [UInt8]) -> [UInt8]? {
    var stream = z_stream()
    guard barenet_inflateInit2(&stream, 15 + 16) == Z_OK else { return nil }
    defer { inflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: 1 << 20)
    var input = data
    let status = input.withUnsafeMutableBytes { inRaw in
      output.withUnsafeMutableBytes { outRaw in
        stream.next_in = inRaw.bindMemory(to: Bytef.self).baseAddress
        stream.avail_in = uInt(inRaw.count)
        stream.next_out = outRaw.bindMemory(to: Bytef.self).baseAddress
        stream.avail_out = uInt(outRaw.count)
        return CZlib.inflate(&stream, Z_FINISH)
      }
    }
    guard status == Z_STREAM_END else { return nil }
    return Array(output[0..<Int(stream.total_out)])
  }
}

@Suite struct PathResolverTests {
  let resolver = PathResolver(root: "/srv", allowDotfiles: false)

  @Test func decodesAndNormalises() throws {
    #expect(try resolver.segments(of: "/a/./b/../c%20d") == ["a", "c d"])
    #expect(try resolver.segments(of: "//a///b/") == ["a", "b"])
    #expect(try resolver.segments(of: "/%C3%BCber") == ["über"])
    #expect(try resolver.segments(of: "/a/../b/..") == [])
    // Above the root is malformed, never the root.
    #expect(throws: PathResolver.Refusal.malformed) { try resolver.segments(of: "/../../etc/passwd") }
    #expect(throws: PathResolver.Refusal.malformed) { try resolver.segments(of: "/%2e%2e/%2E%2E/x") }
    #expect(throws: PathResolver.Refusal.malformed) { try resolver.segments(of: "/a/../..") }
  }

  @Test func refusesForgedSeparatorsNulAndBadEscapes() {
    #expect(throws: PathResolver.Refusal.malformed) { try resolver.segments(of: "/a%2fb") }
    #expect(throws: PathResolver.Refusal.malformed) { try resolver.segments(of: "/a%00b") }
    #expect(throws: PathResolver.Refusal.malformed) { try resolver.segments(of: "/a%zz") }
    #expect(throws: PathResolver.Refusal.malformed) { try resolver.segments(of: "/a%") }
    #expect(throws: PathResolver.Refusal.malformed) { try resolver.segments(of: "/%ff%fe") }
  }

  @Test func fileSystemPathsTakeTheFastWayOnlyWhenSafe() throws {
    #expect(try resolver.fileSystemPath(of: "/") == "/srv")
    #expect(try resolver.fileSystemPath(of: "/a/b.txt") == "/srv/a/b.txt")
    #expect(throws: PathResolver.Refusal.malformed) { try resolver.fileSystemPath(of: "/a/../../etc/passwd") }
    #expect(try resolver.fileSystemPath(of: "/a/../etc/passwd") == "/srv/etc/passwd")
    #expect(try resolver.fileSystemPath(of: "//etc/passwd") == "/srv/etc/passwd")
    #expect(try resolver.fileSystemPath(of: "/a%20b") == "/srv/a b")
    #expect(throws: PathResolver.Refusal.notFound) { try resolver.fileSystemPath(of: "/.env") }
    #expect(throws: PathResolver.Refusal.malformed) { try resolver.fileSystemPath(of: "/a%2f..%2f..") }
  }

  @Test func hidesDotfilesUnlessAllowed() throws {
    #expect(throws: PathResolver.Refusal.notFound) { try resolver.segments(of: "/.git/config") }
    #expect(throws: PathResolver.Refusal.notFound) { try resolver.segments(of: "/%2egit") }
    let open = PathResolver(root: "/srv", allowDotfiles: true)
    #expect(try open.segments(of: "/.well-known/x") == [".well-known", "x"])
  }
}

@Suite struct EscapingTests {
  @Test func html() {
    #expect(PercentEncoding.html("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;")
  }

  @Test func segments() {
    #expect(PercentEncoding.encodeSegment("a b/ü?#%") == "a%20b%2F%C3%BC%3F%23%25")
  }

  @Test func accessLogCannotBeForged() {
    #expect(LineLog.escape("a\"b\nc\\") == "a\\\"b\\x0ac\\\\")
  }

  @Test func humanSizes() {
    #expect(DirectoryListing.humanSize(999) == "999 B")
    #expect(DirectoryListing.humanSize(1536) == "1.5 KiB")
    #expect(DirectoryListing.humanSize(50 * 1024 * 1024) == "50 MiB")
  }
}
