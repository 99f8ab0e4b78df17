import Foundation
import HTTP
import TestSupport
import Testing
import Transport

/// `--upload`: PUT with curl, Python's requests and a raw socket that gives up half-way.
@Suite final class UploadTests {
  let root: String
  let server: TestServer
  let work: String

  init() throws {
    root = try Fixture.site()
    server = try TestServer(root: root) {
      $0.files.uploads.enabled = true
      $0.files.uploads.maxSize = 1 << 20
    }
    work = try Fixture.scratch("upload")
    try Data(Fixture.bigPattern(300_000)).write(to: URL(fileURLWithPath: work + "/data.bin"))
  }

  deinit {
    server.stop()
    Fixture.remove(root)
    Fixture.remove(work)
  }

  func put(_ path: String, _ extra: [String] = []) throws -> String {
    let r = try Command.run(
      "curl",
      ["-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}", "-T", work + "/data.bin"] + extra
        + [server.url(path)])
    return r.out
  }

  func debris() throws -> [String] {
    try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.contains(".barenet-upload") }
  }

  @Test func curlUploadsAndTheRulesHold() throws {
    #expect(try put("/docs/new.bin") == "201")
    #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/docs/new.bin")) == Data(Fixture.bigPattern(300_000)))
    #expect(try put("/hello.txt") == "409")  // no --overwrite
    #expect(try String(contentsOfFile: root + "/hello.txt", encoding: .utf8) == "Hello, world!\n")
    #expect(try put("/.secret") == "403")  // hidden names, like every other path
    #expect(try put("/missing/folder.bin") == "409")
    #expect(try put("/docs/../../escape.bin", ["--path-as-is"]) == "400")  // above the root
    #expect(!FileManager.default.fileExists(atPath: root + "/escape.bin"))
    // 201 names what was made by its canonical path, in Location and in a typed body.
    let made = try Command.run(
      "curl", ["-sS", "-i", "--path-as-is", "-T", work + "/data.bin", server.url("/docs/../new%20one.bin")])
    #expect(made.out.contains("Location: /new%20one.bin\r\n"), "\(made.out.prefix(300))")
    #expect(made.out.contains("Content-Type: text/plain; charset=utf-8\r\n"))
    #expect(made.out.hasSuffix("Created /new%20one.bin\n"))
    let folder = try RawClient(server.address)  // (curl -T to a folder URL appends the file name)
    try folder.send("PUT /docs/ HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi")
    #expect(try folder.readResponse().status == 405)
    #expect(try put("/chunked.bin", ["-H", "Transfer-Encoding: chunked"]) == "201")
    #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/chunked.bin")).count == 300_000)
    try Data(count: 2 << 20).write(to: URL(fileURLWithPath: work + "/data.bin"))
    #expect(try put("/too-big.bin") == "413")
    #expect(!FileManager.default.fileExists(atPath: root + "/too-big.bin"))
    #expect(try debris().isEmpty)
  }

  @Test func overwriteReplacesWith204() throws {
    let replacing = try TestServer(root: root) {
      $0.files.uploads.enabled = true
      $0.files.uploads.overwrite = true
    }
    defer { replacing.stop() }
    let r = try Command.run(
      "curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-T", work + "/data.bin", replacing.url("/hello.txt")])
    #expect(r.out == "204")
    #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/hello.txt")).count == 300_000)
  }

  @Test func pythonRequestsUploads() throws {
    let script = """
      import sys, requests
      r = requests.put(sys.argv[1], data=open(sys.argv[2], 'rb'))
      print(r.status_code, r.headers.get('Location'))
      """
    let r = try Command.run("/usr/bin/python3", ["-c", script, server.url("/docs/py.bin"), work + "/data.bin"])
    #expect(r.out == "201 /docs/py.bin\n", "\(r.err)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/docs/py.bin")).count == 300_000)
  }

  @Test func anUploadCutOffLeavesNoDebrisAndTheOldFile() throws {
    let c = try RawClient(server.address)
    try c.send("PUT /docs/half.bin HTTP/1.1\r\nHost: t\r\nContent-Length: 500000\r\n\r\n")
    try c.send(Fixture.bigPattern(200_000))
    usleep(100_000)
    c.close()
    usleep(300_000)
    #expect(!FileManager.default.fileExists(atPath: root + "/docs/half.bin"))
    #expect(try debris().isEmpty)
  }

  @Test func formUploadsWithCurlAndRequests() throws {
    try "second\n".write(toFile: work + "/b.txt", atomically: true, encoding: .utf8)
    let r = try Command.run(
      "curl",
      [
        "-sS", "-D", "-", "-F", "file=@\(work)/data.bin", "-F", "file=@\(work)/b.txt", "-F", "note=hi",
        server.url("/docs/"),
      ])
    #expect(r.out.hasPrefix("HTTP/1.1 303"), "\(r.out)\(r.err)")
    #expect(r.out.contains("Location: /docs/"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/docs/data.bin")) == Data(Fixture.bigPattern(300_000)))
    #expect(try String(contentsOfFile: root + "/docs/b.txt", encoding: .utf8) == "second\n")
    // A path in the file name keeps only its last part; an existing name is a conflict.
    let sneaky = try Command.run(
      "curl",
      [
        "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-F", "file=@\(work)/b.txt;filename=../../x.txt",
        server.url("/docs/"),
      ])
    #expect(sneaky.out == "303")
    #expect(FileManager.default.fileExists(atPath: root + "/docs/x.txt"))
    let again = try Command.run(
      "curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-F", "file=@\(work)/b.txt", server.url("/docs/")])
    #expect(again.out == "409")
    let script = """
      import sys, requests
      r = requests.post(sys.argv[1], files=[('file', ('py1.txt', b'one')), ('file', ('py2.txt', b'two'))], allow_redirects=False)
      print(r.status_code, r.headers['Location'])
      """
    let python = try Command.run("/usr/bin/python3", ["-c", script, server.url("/")])
    #expect(python.out == "303 /\n", "\(python.err)")
    #expect(try String(contentsOfFile: root + "/py2.txt", encoding: .utf8) == "two")
    // The listing offers the form.
    let page = try Command.run("curl", ["-sS", server.url("/docs/")]).out
    #expect(page.contains("<form method=\"post\" enctype=\"multipart/form-data\">"))
    #expect(try debris().isEmpty)
  }

  @Test func aBrowserSubmitsTheUploadForm() throws {
    // Headless Chromium loads a page that fills a file input (two files) and submits the form;
    // its multipart encoder, not ours, builds the body. The 303 lands on the folder's listing.
    try FileManager.default.createDirectory(atPath: root + "/drop", withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: Fixture.packageRoot.path + "/fixtures/browser/form-test.html", toPath: root + "/form-test.html")
    let page = try Command.run(
      "chromium",
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(work)/chromium", "--virtual-time-budget=5000",
        "--dump-dom", server.url("/form-test.html"),
      ], timeout: 90)
    #expect(page.out.contains("browser-one.txt") && page.out.contains("browser-two.bin"), "\(page.out)\(page.err)")
    #expect(try String(contentsOfFile: root + "/drop/browser-one.txt", encoding: .utf8) == "from the browser\n")
    #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/drop/browser-two.bin")) == Data([0, 1, 2, 255]))
  }

  @Test func aFormCutOffStoresNothing() throws {
    let c = try RawClient(server.address)
    let head =
      "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"first.txt\"\r\n\r\nfirst\r\n"
      + "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"second.txt\"\r\n\r\nsec"
    try c.send(
      "POST /docs/ HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: 100000\r\n\r\n"
        + head)
    usleep(100_000)
    c.close()
    usleep(300_000)
    // Not even the part that was complete: a form is stored whole or not at all.
    #expect(!FileManager.default.fileExists(atPath: root + "/docs/first.txt"))
    #expect(!FileManager.default.fileExists(atPath: root + "/docs/second.txt"))
    #expect(try debris().isEmpty)
  }

  @Test func withoutUploadPutIs405() throws {
    let plain = try TestServer(root: root)
    defer { plain.stop() }
    let r = try Command.run(
      "curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-T", work + "/data.bin", plain.url("/x.bin")])
    #expect(r.out == "405")
  }
}
