import Foundation
import ServerCore
import TestSupport
import Testing

@testable import HTTP

/// The response planner, driven with requests and no socket.
@Suite final class FileServiceTests {
  let root: String
  let service: FileService

  init() throws {
    root = try Fixture.site()
    service = try FileService(options: FileServerOptions(root: root))
  }

  deinit { Fixture.remove(root) }

  func get(_ target: String, method: Method = .get, _ fields: (inout Request) -> Void = { _ in }) -> Response {
    var request = Request(method: method, target: target, minorVersion: 1)
    request.host = "h"
    fields(&request)
    return service.respond(to: request)
  }

  func bytes(_ response: Response) -> [UInt8] {
    response.body.flatMap { part -> [UInt8] in
      switch part {
      case .bytes(let b): return b
      case .file(let f, let offset, let length): return f.read(offset: offset, length: length) ?? []
      case .stream: return []  // archives are read back through real clients (FolderArchiveTests)
      }
    }
  }

  @Test func servesAFileWithTypeAndValidators() throws {
    let r = get("/hello.txt")
    #expect(r.status == .ok)
    #expect(bytes(r) == Array("Hello, world!\n".utf8))
    #expect(r.header("Content-Type") == "text/plain; charset=utf-8")
    #expect(r.header("Accept-Ranges") == "bytes")
    #expect(try #require(r.header("ETag")).hasPrefix("\""))
    #expect(r.header("Last-Modified")?.hasSuffix("GMT") == true)
  }

  @Test func mimeTypes() {
    #expect(get("/page.html").header("Content-Type") == "text/html; charset=utf-8")
    #expect(get("/data.json").header("Content-Type") == "application/json")
    #expect(get("/big.bin").header("Content-Type") == "application/octet-stream")
    #expect(MIMETypes.type(forName: "a.WOFF2") == "font/woff2")
    #expect(MIMETypes.type(forName: "x.mjs") == "text/javascript; charset=utf-8")
    #expect(MIMETypes.type(forName: "x.wasm") == "application/wasm")
    #expect(MIMETypes.type(forName: ".bashrc") == "application/octet-stream")
  }

  @Test func largeFilesGoBySendfile() {
    let r = get("/big.bin")
    #expect(r.contentLength == 3 * 1024 * 1024)
    guard case .file = r.body.first else {
      Issue.record("expected a sendfile body")
      return
    }
  }

  @Test func utf8AndSpacesInNames() {
    #expect(get("/%C3%BCn%C3%AFc%C3%B6d%C3%A9.txt").status == .ok)
    #expect(get("/with%20space.txt").status == .ok)
  }

  @Test func traversalNeverLeavesTheRoot() {
    for target in [
      "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd", "//etc/passwd",
      "/docs/../../etc/passwd", "/passwd-link", "/etc-link/passwd", "/%2E%2E/%2E%2E/etc/hostname",
    ] {
      let r = get(target)
      #expect([400, 403, 404].contains(r.status.code), "\(target) → \(r.status)")
      #expect(!String(decoding: bytes(r), as: UTF8.self).contains("root:"), "\(target)")
    }
    #expect(get("/a%00b").status == .badRequest)
    // Climbing above the root is a bad request, never a request for the root.
    for target in ["/%2e%2e/", "/..", "/docs/../../hello.txt", "/../docs/"] {
      #expect(get(target).status == .badRequest, "\(target)")
    }
    #expect(get("/docs/../hello.txt").status == .ok)
  }

  @Test func listingsCarryAWeakValidatorAndRevalidate() throws {
    let first = get("/docs/")
    let tag = try #require(first.header("ETag"))
    #expect(tag.hasPrefix("W/\"dir-"))
    #expect(get("/docs/").header("ETag") == tag)
    #expect(get("/docs/?sort=size").header("ETag") != tag)  // another page, another validator
    let again = get("/docs/") { $0.ifNoneMatch = tag }
    #expect(again.status == .notModified)
    #expect(again.header("ETag") == tag)
    try "new".write(toFile: root + "/docs/added.txt", atomically: true, encoding: .utf8)
    #expect(get("/docs/") { $0.ifNoneMatch = tag }.status == .ok)
  }

  @Test func symlinkInsideTheRootIsServed() {
    #expect(bytes(get("/hello-link.txt")) == Array("Hello, world!\n".utf8))
  }

  @Test func dotfilesAreHiddenUnlessAllowed() throws {
    #expect(get("/.secret").status == .notFound)
    #expect(!String(decoding: bytes(get("/")), as: UTF8.self).contains(".secret"))
    var options = FileServerOptions(root: root)
    options.dotfiles = true
    let open = try FileService(options: options)
    var request = Request(method: .get, target: "/.secret", minorVersion: 1)
    request.host = "h"
    #expect(open.respond(to: request).status == .ok)
  }

  @Test func folders() {
    let redirect = get("/docs?x=1")
    #expect(redirect.status == .movedPermanently)
    #expect(redirect.header("Location") == "/docs/?x=1")
    #expect(String(decoding: bytes(get("/site/")), as: UTF8.self).contains("index page"))
    let listing = String(decoding: bytes(get("/")), as: UTF8.self)
    #expect(listing.contains("href=\"docs/\""))
    #expect(listing.contains("href=\"with%20space.txt\""))
    #expect(listing.contains("&lt;b&gt;&amp;amp.txt"))
    #expect(!listing.contains("<b>&amp.txt"))
    #expect(!listing.contains("passwd-link"))
    // Folders come first.
    let docs = listing.range(of: "docs/")!.lowerBound
    let hello = listing.range(of: "hello.txt")!.lowerBound
    #expect(docs < hello)
  }

  @Test func noListingGives403() throws {
    var options = FileServerOptions(root: root)
    options.listing = false
    let quiet = try FileService(options: options)
    var request = Request(method: .get, target: "/docs/", minorVersion: 1)
    request.host = "h"
    #expect(quiet.respond(to: request).status == .forbidden)
  }

  @Test func missingIs404() {
    #expect(get("/nope.txt").status == .notFound)
  }

  @Test func conditionals() throws {
    let first = get("/hello.txt")
    let etag = try #require(first.header("ETag"))
    let lastModified = try #require(first.header("Last-Modified"))
    let cached = get("/hello.txt") { $0.ifNoneMatch = etag }
    #expect(cached.status == .notModified)
    #expect(cached.header("ETag") == etag)
    #expect(cached.body.isEmpty)
    #expect(get("/hello.txt") { $0.ifNoneMatch = "W/" + etag }.status == .notModified)
    #expect(get("/hello.txt") { $0.ifModifiedSince = lastModified }.status == .notModified)
    #expect(get("/hello.txt") { $0.ifNoneMatch = "\"other\"" }.status == .ok)
    #expect(get("/hello.txt") { $0.ifMatch = "\"other\"" }.status == .preconditionFailed)
  }

  @Test func ranges() throws {
    let one = get("/hello.txt") { $0.range = "bytes=0-4" }
    #expect(one.status == .partialContent)
    #expect(one.header("Content-Range") == "bytes 0-4/14")
    #expect(bytes(one) == Array("Hello".utf8))
    #expect(bytes(get("/hello.txt") { $0.range = "bytes=-6" }) == Array("world!\n".utf8.suffix(6)))
    let none = get("/hello.txt") { $0.range = "bytes=50-" }
    #expect(none.status == .rangeNotSatisfiable)
    #expect(none.header("Content-Range") == "bytes */14")
    let multi = get("/hello.txt") { $0.range = "bytes=0-0,7-11" }
    #expect(multi.status == .partialContent)
    #expect(multi.header("Content-Type")?.hasPrefix("multipart/byteranges; boundary=") == true)
    let body = String(decoding: bytes(multi), as: UTF8.self)
    #expect(body.contains("Content-Range: bytes 0-0/14\r\n\r\nH\r\n"))
    #expect(body.contains("Content-Range: bytes 7-11/14\r\n\r\nworld\r\n"))
    #expect(body.hasSuffix("--\r\n"))
    #expect(multi.contentLength == bytes(multi).count)
  }

  @Test func ifRangeDecidesBetweenPartAndWhole() throws {
    let etag = try #require(get("/hello.txt").header("ETag"))
    #expect(
      get("/hello.txt") {
        $0.range = "bytes=0-1"
        $0.ifRange = etag
      }.status == .partialContent)
    #expect(
      get("/hello.txt") {
        $0.range = "bytes=0-1"
        $0.ifRange = "\"stale\""
      }.status == .ok)
  }

  @Test func gzipWhenAcceptedAndNotWhenRefused() throws {
    let zipped = get("/page.html") { $0.acceptEncoding = "gzip, deflate" }
    #expect(zipped.header("Content-Encoding") == "gzip")
    #expect(zipped.header("Vary") == "Accept-Encoding")
    #expect(zipped.header("ETag")?.hasSuffix("-gz\"") == true)
    #expect(bytes(zipped).prefix(2) == [0x1f, 0x8b])
    let plain = get("/page.html") { $0.acceptEncoding = "gzip;q=0" }
    #expect(plain.header("Content-Encoding") == nil)
    #expect(plain.header("Vary") == "Accept-Encoding")
    // Images are not recompressed.
    #expect(get("/big.bin") { $0.acceptEncoding = "gzip" }.header("Content-Encoding") == nil)
    // A 304 for the gzip variant uses the variant's tag.
    let tag = try #require(zipped.header("ETag"))
    #expect(
      get("/page.html") {
        $0.acceptEncoding = "gzip"
        $0.ifNoneMatch = tag
      }.status == .notModified)
  }

  @Test func precompressedFileIsPreferred() throws {
    let r = get("/app.js") { $0.acceptEncoding = "gzip" }
    #expect(r.header("Content-Encoding") == "gzip")
    let expected = try Data(contentsOf: URL(fileURLWithPath: root + "/app.js.gz"))
    #expect(bytes(r) == Array(expected))
    // A stale .gz (older than the file) is not used.
    let old = Date(timeIntervalSinceNow: -3600)
    try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: root + "/app.js.gz")
    let fresh = get("/app.js") { $0.acceptEncoding = "gzip" }
    #expect(bytes(fresh) != Array(expected))
  }
}
