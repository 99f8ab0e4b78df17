import Foundation
import HTTP
import TestSupport
import Testing

/// WebDAV: PROPFIND read by Python's XML parser, MKCOL, and rclone mounting the folder.
@Suite final class WebDAVTests {
  let root: String
  let server: TestServer
  let work: String

  init() throws {
    root = try Fixture.site()
    server = try TestServer(root: root) {
      $0.files.uploads.enabled = true
      $0.files.uploads.mkdir = true
    }
    work = try Fixture.scratch("dav")
    try FileManager.default.createDirectory(atPath: work + "/local", withIntermediateDirectories: true)
  }

  deinit {
    server.stop()
    Fixture.remove(root)
    Fixture.remove(work)
  }

  func curl(_ arguments: [String]) throws -> Command.Result {
    try Command.run("curl", ["-sS", "--max-time", "20"] + arguments)
  }

  func rclone(_ arguments: [String]) throws -> Command.Result {
    try Command.run(
      "rclone", arguments + ["--webdav-url", server.url("/"), "--config", "/dev/null", "-q"], timeout: 60)
  }

  @Test func optionsAdvertisesClassTwo() throws {
    let head = try curl(["-D", "-", "-o", "/dev/null", "-X", "OPTIONS", server.url("/")]).out
    #expect(head.contains("DAV: 1, 2\r\n"))
    #expect(head.contains("PROPFIND") && head.contains("PROPPATCH") && head.contains("LOCK, UNLOCK"))
  }

  @Test func propfindIsValidXMLThatAParserReads() throws {
    let xml = try curl(["-X", "PROPFIND", "-H", "Depth: 1", server.url("/docs/")])
    let script = """
      import sys, xml.etree.ElementTree as ET
      ns = {'D': 'DAV:'}
      for r in ET.fromstring(sys.stdin.read()).findall('D:response', ns):
          href = r.find('D:href', ns).text
          folder = r.find('.//D:resourcetype/D:collection', ns) is not None
          length = r.find('.//D:getcontentlength', ns)
          print(href, 'dir' if folder else length.text)
      """
    let parsed = try Command.run("python3", ["-c", script], input: Data(xml.out.utf8))
    #expect(parsed.out == "/docs/ dir\n/docs/readme.txt 38\n", "\(parsed.err)\(xml.out)")
    // Depth 0 is the folder alone; propname lists names; unknown properties are 404 propstats.
    let zero = try curl(["-X", "PROPFIND", "-H", "Depth: 0", server.url("/docs/")]).out
    #expect(zero.components(separatedBy: "<D:response>").count == 2)
    let names = try curl([
      "-X", "PROPFIND", "-H", "Depth: 0", "--data",
      "<?xml version=\"1.0\"?><propfind xmlns=\"DAV:\"><propname/></propfind>",
      server.url("/hello.txt"),
    ]).out
    #expect(names.contains("<D:getcontentlength/>") && !names.contains("14"))
    let some = try curl([
      "-X", "PROPFIND", "-H", "Depth: 0", "--data",
      "<d:propfind xmlns:d=\"DAV:\" xmlns:x=\"urn:x\"><d:prop><d:getcontentlength/><x:color/></d:prop></d:propfind>",
      server.url("/hello.txt"),
    ]).out
    #expect(some.contains("<D:getcontentlength>14</D:getcontentlength>"))
    #expect(some.contains("<ns0:color xmlns:ns0=\"urn:x\"/></D:prop><D:status>HTTP/1.1 404 Not Found"))
  }

  @Test func depthInfinityIsRefusedWithThePrecondition() throws {
    for depth in [[], ["-H", "Depth: infinity"]] {
      let r = try curl(["-D", "-", "-X", "PROPFIND"] + depth + [server.url("/")]).out
      #expect(r.hasPrefix("HTTP/1.1 403"))
      #expect(r.contains("<D:propfind-finite-depth/>"))
    }
    let garbage = try curl([
      "-o", "/dev/null", "-w", "%{http_code}", "-X", "PROPFIND", "-H", "Depth: 1", "--data", "<nope/>", server.url("/"),
    ])
    #expect(garbage.out == "400")
  }

  @Test func mkcolFollowsTheRules() throws {
    func mkcol(_ path: String) throws -> String {
      try curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "MKCOL", server.url(path)]).out
    }
    #expect(try mkcol("/made") == "201")
    #expect(try mkcol("/made") == "405")  // exists
    #expect(try mkcol("/no/such/parent") == "409")
    #expect(try mkcol("/.hidden") == "403")
    var isFolder: ObjCBool = false
    #expect(FileManager.default.fileExists(atPath: root + "/made", isDirectory: &isFolder) && isFolder.boolValue)
  }

  @Test func rcloneListsAndCopiesBothWays() throws {
    let listing = try rclone(["lsf", ":webdav:"])
    #expect(listing.status == 0, "\(listing.err)")
    let names = Set(listing.out.split(separator: "\n").map(String.init))
    #expect(names.isSuperset(of: ["docs/", "hello.txt", "ünïcödé.txt", "with space.txt"]), "\(names)")
    let down = try rclone(["copy", ":webdav:docs", work + "/down"])
    #expect(down.status == 0, "\(down.err)")
    #expect(try String(contentsOfFile: work + "/down/readme.txt", encoding: .utf8).count == 38)
    try "one\n".write(toFile: work + "/local/one.txt", atomically: true, encoding: .utf8)
    try Data(Fixture.bigPattern(200_000)).write(to: URL(fileURLWithPath: work + "/local/two.bin"))
    let up = try rclone(["copy", work + "/local", ":webdav:from-rclone/inner"])
    #expect(up.status == 0, "\(up.err)")
    #expect(try String(contentsOfFile: root + "/from-rclone/inner/one.txt", encoding: .utf8) == "one\n")
    #expect(
      try Data(contentsOf: URL(fileURLWithPath: root + "/from-rclone/inner/two.bin"))
        == Data(Fixture.bigPattern(200_000)))
  }

  @Test func deleteMoveAndCopyKeepTheRules() throws {
    func call(_ method: String, _ path: String, _ headers: [String] = []) throws -> String {
      try curl(["--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", "-X", method] + headers + [server.url(path)])
        .out
    }
    try FileManager.default.createDirectory(atPath: root + "/keep", withIntermediateDirectories: true)
    try "x".write(toFile: root + "/keep/.hidden", atomically: true, encoding: .utf8)
    #expect(try call("DELETE", "/keep/") == "403")  // a hidden file inside is never deleted
    #expect(FileManager.default.fileExists(atPath: root + "/keep/.hidden"))
    #expect(try call("COPY", "/hello.txt", ["-H", "Destination: \(server.url("/copy.txt"))"]) == "201")
    #expect(try call("COPY", "/hello.txt", ["-H", "Destination: /copy.txt"]) == "409")  // no --overwrite here
    #expect(try call("COPY", "/hello.txt", ["-H", "Destination: /copy.txt", "-H", "Overwrite: F"]) == "412")
    // A ".." above the root is a bad request, as nginx answers it: nothing is written.
    #expect(try call("MOVE", "/copy.txt", ["-H", "Destination: /../../tmp/escape.txt"]) == "400")
    #expect(try call("COPY", "/copy.txt", ["-H", "Destination: /docs/../../moved.txt"]) == "400")
    #expect(try call("MKCOL", "/../made/", []) == "400")
    #expect(!FileManager.default.fileExists(atPath: "/tmp/escape.txt"))
    #expect(!FileManager.default.fileExists(atPath: root + "/moved.txt"))
    // Another server in the Destination: 502 (RFC 4918 §9.9.4), never carried out here.
    #expect(try call("COPY", "/copy.txt", ["-H", "Destination: http://elsewhere.example/moved.txt"]) == "502")
    #expect(try call("MOVE", "/copy.txt", ["-H", "Destination: /docs/../moved.txt"]) == "201")
    #expect(FileManager.default.fileExists(atPath: root + "/moved.txt"))
    #expect(try call("MOVE", "/docs/", ["-H", "Destination: /docs/inside/"]) == "403")
    #expect(try call("DELETE", "/hello.txt") == "204")
    #expect(!FileManager.default.fileExists(atPath: root + "/hello.txt"))
  }
}
