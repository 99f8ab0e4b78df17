import Foundation
import TestSupport
import Testing

/// Real clients against the server: curl and wget, as users run them.
@Suite final class CurlWgetTests {
  let root: String
  let server: TestServer
  let work: String

  init() throws {
    root = try Fixture.site()
    server = try TestServer(root: root, threads: 2)
    work = try Fixture.scratch("clients")
  }

  deinit {
    server.stop()
    Fixture.remove(root)
    Fixture.remove(work)
  }

  func curl(_ arguments: [String]) throws -> Command.Result {
    try Command.run("curl", ["-sS", "--max-time", "20"] + arguments)
  }

  @Test func exactBytesOfALargeFile() throws {
    let out = work + "/big.bin"
    let r = try curl(["-o", out, server.url("/big.bin")])
    #expect(r.status == 0, "\(r.err)")
    #expect(Array(try Data(contentsOf: URL(fileURLWithPath: out))) == Fixture.bigPattern(3 * 1024 * 1024))
  }

  @Test func listingsForScriptsThroughCurl() throws {
    let json = try curl(["-H", "Accept: application/json", server.url("/docs/")])
    let object = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
    let names = (object?["entries"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
    #expect(names == ["readme.txt"], "\(json.out)")
    let text = try curl([server.url("/?format=text&sort=name&order=desc")])
    let lines = text.out.split(separator: "\n")
    // Folders first, each group by name, descending.
    #expect(lines.prefix(2).map { $0.split(separator: "\t").last! } == ["site/", "docs/"], "\(text.out)")
    #expect(lines.contains { $0.hasPrefix("f\t14\t") && $0.hasSuffix("\thello.txt") })
  }

  @Test func rangeWithDashR() throws {
    let r = try curl(["-r", "7-11", server.url("/hello.txt")])
    #expect(r.out == "world")
    let head = try curl(["-D", "-", "-o", "/dev/null", "-r", "0-0,7-11", server.url("/hello.txt")])
    #expect(head.out.contains("206 Partial Content"))
    #expect(head.out.contains("multipart/byteranges"))
  }

  @Test func resumeWithDashC() throws {
    let out = work + "/partial.bin"
    let pattern = Fixture.bigPattern(3 * 1024 * 1024)
    try Data(pattern[0..<1_000_000]).write(to: URL(fileURLWithPath: out))
    let r = try curl(["-C", "-", "-o", out, server.url("/big.bin")])
    #expect(r.status == 0, "\(r.err)")
    #expect(Array(try Data(contentsOf: URL(fileURLWithPath: out))) == pattern)
  }

  @Test func timeConditionWithDashZ() throws {
    let past = try curl(["-z", "Jan 1 2000", "-o", "/dev/null", "-w", "%{http_code}", server.url("/hello.txt")])
    #expect(past.out == "200")
    let future = try curl(["-z", "Jan 1 2100", "-o", "/dev/null", "-w", "%{http_code}", server.url("/hello.txt")])
    #expect(future.out == "304")
  }

  @Test func etagRevalidation() throws {
    let etags = work + "/etags"
    _ = try curl(["--etag-save", etags, "-o", "/dev/null", server.url("/page.html")])
    let again = try curl(["--etag-compare", etags, "-o", "/dev/null", "-w", "%{http_code}", server.url("/page.html")])
    #expect(again.out == "304")
  }

  @Test func compressedDecodesToTheOriginal() throws {
    let r = try curl(["--compressed", "-D", work + "/h", server.url("/page.html")])
    let original = try String(contentsOfFile: root + "/page.html", encoding: .utf8)
    #expect(r.out == original)
    let headers = try String(contentsOfFile: work + "/h", encoding: .utf8).lowercased()
    #expect(headers.contains("content-encoding: gzip"))
  }

  @Test func headWithDashI() throws {
    let r = try curl(["-I", server.url("/page.html")])
    #expect(r.out.hasPrefix("HTTP/1.1 200 OK"))
    #expect(r.out.contains("Content-Length: 1394"))
    #expect(r.out.contains("Accept-Ranges: bytes"))
    #expect(r.out.contains("Server: barenet"))
    #expect(
      r.out.range(of: #"Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT"#, options: .regularExpression) != nil)
  }

  @Test func connectionIsReused() throws {
    let r = try curl(["-v", "-o", "/dev/null", "-o", "/dev/null", server.url("/hello.txt"), server.url("/page.html")])
    #expect(r.err.contains("Re-using existing connection") || r.err.contains("Reusing existing connection"))
    #expect(r.err.components(separatedBy: "Connected to").count == 2)
  }

  @Test func redirectForFolderIsFollowed() throws {
    let r = try curl(["-L", "-o", "/dev/null", "-w", "%{http_code} %{url_effective}", server.url("/site")])
    #expect(r.out == "200 " + server.url("/site/"))
  }

  @Test func utf8NameThroughCurl() throws {
    let r = try curl([server.url("/%C3%BCn%C3%AFc%C3%B6d%C3%A9.txt")])
    #expect(r.out == "utf-8 name\n")
  }

  @Test func pathAsIsTraversalIsRefused() throws {
    let r = try curl(["--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", server.url("/../../../etc/passwd")])
    #expect(r.out == "400")  // above the root: a bad request, as nginx answers it
    for path in ["/%2e%2e/", "/docs/../../hello.txt", "/%2E%2E/docs/"] {
      let above = try curl(["--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", server.url(path)])
      #expect(above.out == "400", "\(path)")
    }
    let within = try curl(["--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", server.url("/docs/../hello.txt")])
    #expect(within.out == "200")
  }

  @Test func wgetMirrorsAFolder() throws {
    let r = try Command.run(
      "wget", ["-q", "-r", "-np", "-nH", "-P", work + "/mirror", "--timeout=20", server.url("/docs/")])
    #expect(r.status == 0, "\(r.err)")
    let copy = try String(contentsOfFile: work + "/mirror/docs/readme.txt", encoding: .utf8)
    #expect(copy == "a file in a folder without index.html\n")
  }

  @Test func wgetContinuesAPartialDownload() throws {
    let out = work + "/w.bin"
    let pattern = Fixture.bigPattern(3 * 1024 * 1024)
    try Data(pattern[0..<123_457]).write(to: URL(fileURLWithPath: out))
    let r = try Command.run("wget", ["-q", "-c", "-O", out, "--timeout=20", server.url("/big.bin")])
    #expect(r.status == 0, "\(r.err)")
    #expect(Array(try Data(contentsOf: URL(fileURLWithPath: out))) == pattern)
  }
}
