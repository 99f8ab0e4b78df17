import Foundation
import ServerCore
import TestSupport
import Testing

@testable import HTTP

/// WebDAV class 2 without a socket: requests as bytes through `HTTPConnection`, answers checked,
/// and every multistatus read back by Python's expat (a real, strict parser).
@Suite final class WebDAVClassTwoTests {
  let root: String
  let service: FileService
  /// Basic auth over the fixture's accounts, for the tests of who owns a lock.
  var auth: AuthCache?

  init() throws {
    root = try Fixture.site()
    var options = FileServerOptions(root: root)
    options.uploads.enabled = true
    options.uploads.overwrite = true
    options.uploads.mkdir = true
    service = try FileService(options: options)
  }

  deinit { Fixture.remove(root) }

  /// Sends one request (head fields and an optional body) on a connection of its own (a refusal
  /// closes its connection) and returns its answer.
  func send(_ method: String, _ path: String, _ fields: [String] = [], body: String = "") -> Response {
    var machine = HTTPConnection(service: service, auth: auth, timeouts: HTTPTimeouts())
    var head = "\(method) \(path) HTTP/1.1\r\nHost: h\r\n"
    for field in fields { head += field + "\r\n" }
    var framed = body
    if fields.contains("Transfer-Encoding: chunked") {
      framed = (body.isEmpty ? "" : String(body.utf8.count, radix: 16) + "\r\n" + body + "\r\n") + "0\r\n\r\n"
    } else if !body.isEmpty {
      head += "Content-Length: \(body.utf8.count)\r\n"
    }
    var input = Array((head + "\r\n" + framed).utf8)
    var actions: [HTTPAction] = []
    while !input.isEmpty {
      let (consumed, again) = input.withUnsafeBytes { machine.receive($0, now: 0, backlog: 0, into: &actions) }
      input.removeFirst(consumed)
      if !again { break }
    }
    for case .respond(let answer) in actions { return answer.response }
    return .error(.internalServerError)
  }

  func text(_ response: Response) -> String {
    response.body.map { if case .bytes(let b) = $0 { String(decoding: b, as: UTF8.self) } else { "" } }.joined()
  }

  /// Python's expat parses `xml` with namespaces; returns what it printed, or its error.
  func expat(_ xml: String) throws -> String {
    let script = """
      import sys, xml.parsers.expat
      p = xml.parsers.expat.ParserCreate(namespace_separator=' ')
      p.StartElementHandler = lambda name, attrs: print(name)
      p.Parse(sys.stdin.buffer.read(), True)
      """
    let run = try Command.run("python3", ["-c", script], input: Data(xml.utf8))
    return run.status == 0 ? run.out : "error: " + run.err
  }

  // MARK: XML and namespaces

  @Test func propertiesInNoNamespaceAndOthersAreWrittenSoAStrictParserReadsThem() throws {
    let answer = send(
      "PROPFIND", "/hello.txt", ["Depth: 0"],
      body:
        "<D:propfind xmlns:D='DAV:'><D:prop><foo xmlns=''/><x:bar xmlns:x='urn:x'/><D:getetag/></D:prop></D:propfind>")
    #expect(answer.status == .multistatus)
    let parsed = try expat(text(answer))
    #expect(parsed.contains("\nfoo\n") && parsed.contains("urn:x bar") && parsed.contains("DAV: getetag"), "\(parsed)")
    #expect(!text(answer).contains("xmlns:X=\"\""))  // never a prefix bound to the empty namespace
  }

  @Test func invalidXMLAndInvalidNamespaceDeclarationsAre400() {
    for body in [
      "<D:propfind xmlns:D='DAV:' xmlns:bar=''><D:allprop/></D:propfind>", "<D:propfind xmlns:D='DAV:'>",
      "<!DOCTYPE x [<!ENTITY a 'b'>]><D:propfind xmlns:D='DAV:'><D:allprop/></D:propfind>", "<propfind/>",
      String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100),
    ] {
      #expect(send("PROPFIND", "/", ["Depth: 0"], body: body).status == .badRequest, "\(body.prefix(60))")
    }
  }

  // MARK: PROPPATCH

  @Test func proppatchSetsAndRemovesInOrderAndPropertiesFollowMoveAndCopy() throws {
    let set = send(
      "PROPPATCH", "/hello.txt",
      body: """
        <D:propertyupdate xmlns:D="DAV:" xmlns:z="urn:z"><D:set><D:prop><z:color>blue</z:color>\
        <z:shape><z:inner a="1">x &amp; y</z:inner></z:shape><plain xmlns="">p</plain></D:prop></D:set>\
        <D:remove><D:prop><z:color/></D:prop></D:remove><D:set><D:prop><z:color>red</z:color></D:prop></D:set>\
        </D:propertyupdate>
        """)
    #expect(set.status == .multistatus)
    #expect(try expat(text(set)).contains("urn:z color"))
    #expect(text(set).contains("HTTP/1.1 200 OK") && !text(set).contains("424"))
    let all = text(send("PROPFIND", "/hello.txt", ["Depth: 0"]))
    #expect(try !expat(all).hasPrefix("error"), "\(all)")
    #expect(all.contains("<ns0:color xmlns:ns0=\"urn:z\">red</ns0:color>"), "\(all)")
    #expect(all.contains("<ns1:inner xmlns:ns1=\"urn:z\" a=\"1\">x &amp; y</ns1:inner>") || all.contains("urn:z"))
    #expect(all.contains("<plain>p</plain>"))
    #expect(send("MOVE", "/hello.txt", ["Destination: /moved.txt"]).status == .created)
    #expect(text(send("PROPFIND", "/moved.txt", ["Depth: 0"])).contains(">red<"))
    #expect(send("COPY", "/moved.txt", ["Destination: /copied.txt"]).status == .created)
    #expect(text(send("PROPFIND", "/copied.txt", ["Depth: 0"])).contains(">red<"))
  }

  @Test func liveDAVPropertiesAreProtectedAndNothingElseChanges() {
    let answer = send(
      "PROPPATCH", "/hello.txt",
      body: """
        <D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:getetag>x</D:getetag>\
        <q:a xmlns:q="urn:q">1</q:a></D:prop></D:set></D:propertyupdate>
        """)
    #expect(text(answer).contains("403 Forbidden") && text(answer).contains("424 Failed Dependency"))
    #expect(text(answer).contains("cannot-modify-protected-property"))
    #expect(!text(send("PROPFIND", "/hello.txt", ["Depth: 0"])).contains("urn:q"))
  }

  // MARK: Locks

  static let exclusive =
    "<D:lockinfo xmlns:D='DAV:'><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>"
    + "<D:owner><D:href>mailto:a@example.org</D:href></D:owner></D:lockinfo>"
  static let shared = exclusive.replacingOccurrences(of: "exclusive", with: "shared")

  func token(_ response: Response) throws -> String {
    try #require(response.header("Lock-Token")).trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
  }

  @Test func anExclusiveLockKeepsOthersOutUntilTheTokenIsSubmitted() throws {
    let lock = send("LOCK", "/hello.txt", ["Timeout: Second-600"], body: Self.exclusive)
    #expect(lock.status == .ok)
    let t = try token(lock)
    #expect(t.hasPrefix("opaquelocktoken:"))
    #expect(try expat(text(lock)).contains("DAV: activelock"))
    #expect(text(lock).contains("<D:timeout>Second-600</D:timeout>") && text(lock).contains("mailto:a@example.org"))
    #expect(send("PUT", "/hello.txt", body: "x").status == .locked)
    #expect(send("DELETE", "/hello.txt").status == .locked)
    #expect(send("MOVE", "/hello.txt", ["Destination: /elsewhere.txt"]).status == .locked)
    #expect(send("PROPPATCH", "/hello.txt", body: "<D:propertyupdate xmlns:D='DAV:'/>").status == .locked)
    #expect(send("LOCK", "/hello.txt", body: Self.shared).status == .locked)
    #expect(send("PUT", "/hello.txt", ["If: (<\(t)>)"], body: "new").status == .noContent)
    #expect(
      send("PUT", "/hello.txt", ["If: (<opaquelocktoken:wrong>) (Not <DAV:no-lock>)"], body: "y").status == .locked)
    #expect(send("PUT", "/hello.txt", ["If: (<DAV:no-lock>)"], body: "y").status == .preconditionFailed)
    #expect(send("PUT", "/hello.txt", ["If: (<\(t)> [\"not-the-etag\"])"], body: "y").status == .preconditionFailed)
    #expect(send("PUT", "/hello.txt", ["If: nonsense"], body: "y").status == .badRequest)
    // COPY does not carry the lock; the copy is free to change.
    #expect(send("COPY", "/hello.txt", ["Destination: /copy.txt"]).status == .created)
    #expect(send("PUT", "/copy.txt", body: "free").status == .noContent)
    #expect(send("UNLOCK", "/hello.txt", ["Lock-Token: <opaquelocktoken:wrong>"]).status == .conflict)
    #expect(send("UNLOCK", "/hello.txt", ["Lock-Token: <\(t)>"]).status == .noContent)
    #expect(send("PUT", "/hello.txt", body: "open again").status == .noContent)
  }

  @Test func sharedLocksCoexistDeepLocksCoverMembersAndRefreshKeepsTheToken() throws {
    let first = try token(send("LOCK", "/page.html", body: Self.shared))
    let second = try token(send("LOCK", "/page.html", body: Self.shared))
    #expect(first != second)
    #expect(send("LOCK", "/page.html", body: Self.exclusive).status == .locked)
    let deep = send("LOCK", "/docs/", ["Depth: infinity"], body: Self.exclusive)
    #expect(deep.status == .ok)
    let t = try token(deep)
    #expect(send("PUT", "/docs/new.txt", body: "x").status == .locked)  // a new member changes the folder
    #expect(send("PUT", "/docs/new.txt", ["If: </docs/> (<\(t)>)"], body: "x").status == .created)
    let refreshed = send("LOCK", "/docs/", ["If: (<\(t)>)", "Timeout: Second-100"])
    #expect(refreshed.status == .ok)
    #expect(text(refreshed).contains("Second-100") && text(refreshed).contains(t))
    #expect(text(send("PROPFIND", "/docs/new.txt", ["Depth: 0"])).contains(t))  // lockdiscovery
    #expect(send("DELETE", "/docs/", ["If: (<\(t)>)"]).status == .noContent)
    #expect(send("UNLOCK", "/docs/", ["Lock-Token: <\(t)>"]).status == .conflict)  // gone with the folder
  }

  @Test func aLockOnAnUnmappedURLMakesAnEmptyFile() throws {
    let lock = send("LOCK", "/fresh.txt", body: Self.exclusive)
    #expect(lock.status == .created)
    #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/fresh.txt")).isEmpty)
    #expect(send("LOCK", "/no/such/folder.txt", body: Self.exclusive).status == .conflict)
  }

  @Test func supportedlockAndOptionsAdvertiseClassTwo() {
    #expect(send("OPTIONS", "/").header("DAV") == "1, 2")
    let props = text(send("PROPFIND", "/hello.txt", ["Depth: 0"]))
    #expect(props.contains("<D:supportedlock><D:lockentry><D:lockscope><D:exclusive/>"))
  }

  @Test func aLockBelongsToTheAccountThatTookItAndTheTableIsBounded() throws {
    // Two accounts that may write; the check stands in for the users file.
    auth = AuthCache(
      HTTPAuth { name, password in name + ":" + password == "alice:x" || name + ":" + password == "bob:y" ? .write : nil
      })
    let alice = "Authorization: Basic " + Base64.encode(Array("alice:x".utf8))
    let bob = "Authorization: Basic " + Base64.encode(Array("bob:y".utf8))
    let t = try token(send("LOCK", "/hello.txt", [alice], body: Self.exclusive))
    #expect(send("PUT", "/hello.txt", [bob, "If: (<\(t)>)"], body: "b").status == .locked)
    #expect(send("UNLOCK", "/hello.txt", [bob, "Lock-Token: <\(t)>"]).status == .forbidden)
    #expect(send("PUT", "/hello.txt", [alice, "If: (<\(t)>)"], body: "a").status == .noContent)
    // Without --auth, credentials are ignored: a lock taken with them is anyone's.
    auth = nil
    let open = try token(send("LOCK", "/page.html", [alice], body: Self.exclusive))
    #expect(send("PUT", "/page.html", ["If: (<\(open)>)"], body: "any").status == .noContent)
    let small = LockTable(capacity: 2)
    for name in ["a", "b"] {
      guard
        case .success = small.acquire(
          [name], exclusive: true, deep: false, owner: "", principal: nil, seconds: 60, now: 0)
      else {
        Issue.record("lock \(name) refused")
        return
      }
    }
    #expect(
      small.acquire(["c"], exclusive: true, deep: false, owner: "", principal: nil, seconds: 60, now: 0)
        == .failure(.full))
    #expect(LockTable.seconds("Second-100000, Infinite") == LockTable.maximumSeconds)
    #expect(LockTable.seconds("Infinite, Second-30") == LockTable.maximumSeconds)
    #expect(LockTable.seconds(nil) == LockTable.defaultSeconds)
  }

  @Test func aFileSystemWithoutExtendedAttributesIsSaidPerProperty() {
    #expect(FileService.propertyFailure(AtomicUpload.Failure(errno: ENOTSUP, what: "setxattr")).0 == "403 Forbidden")
    #expect(
      FileService.propertyFailure(AtomicUpload.Failure(errno: E2BIG, what: "setxattr")).0 == "507 Insufficient Storage")
  }

  // MARK: Real clients' sequences

  /// Finder saving a new file. Its habits as SabreDAV's client notes record them
  /// (sabre.io/dav/clients/finder): it mounts writable only with class 2 locking, sends PUT bodies
  /// with `Transfer-Encoding: chunked`, and reads and writes `._` AppleDouble companions (also in
  /// dav-server's "APPLE-Finder-hints"). The save: OPTIONS, PROPFIND depth 1, LOCK of the new
  /// name (an empty file), an empty PUT, the chunked PUT of the data with the token, PROPFIND,
  /// UNLOCK, then the `._` file.
  @Test func finderSavesAFile() throws {
    #expect(send("OPTIONS", "/").status == .noContent)
    #expect(send("PROPFIND", "/", ["Depth: 1"]).status == .multistatus)
    for name in ["report.txt"] {
      let lock = send("LOCK", "/\(name)", ["Timeout: Second-600"], body: Self.exclusive)
      #expect(lock.status == .created)
      let t = try token(lock)
      #expect(send("PUT", "/\(name)", ["If: (<\(t)>)"]).status == .noContent)
      #expect(
        send("PUT", "/\(name)", ["If: (<\(t)>)", "Transfer-Encoding: chunked"], body: "quarterly").status == .noContent)
      #expect(send("PROPFIND", "/\(name)", ["Depth: 0"]).status == .multistatus)
      #expect(send("UNLOCK", "/\(name)", ["Lock-Token: <\(t)>"]).status == .noContent)
    }
    #expect(try String(contentsOfFile: root + "/report.txt", encoding: .utf8) == "quarterly")
    // Finder then stores the AppleDouble companion, and reads it back; other dotfiles stay hidden.
    #expect(send("PUT", "/._report.txt", ["Transfer-Encoding: chunked"], body: "meta").status == .created)
    #expect(send("PROPFIND", "/._report.txt", ["Depth: 0"]).status == .multistatus)
    #expect(send("PUT", "/.env", body: "secret").status == .forbidden)
    #expect(send("GET", "/.secret").status == .notFound)
  }

  /// Microsoft-WebDAV-MiniRedir (Windows Explorer) saving a file, as SabreDAV's client notes
  /// (sabre.io/dav/clients/windows) and Microsoft's [MS-WDV] client extensions describe it: LOCK
  /// with an owner href, PUT with the token, PROPPATCH of the Win32 times and attributes in the
  /// urn:schemas-microsoft-com: namespace, UNLOCK, then a rename by MOVE with `Overwrite: T`.
  @Test func windowsExplorerSavesAndRenames() throws {
    let lock = send(
      "LOCK", "/doc.txt", ["Timeout: Second-3600"],
      body: "<D:lockinfo xmlns:D='DAV:'><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/>"
        + "</D:locktype><D:owner><D:href>DESKTOP\\user</D:href></D:owner></D:lockinfo>")
    #expect(lock.status == .created)
    let t = try token(lock)
    #expect(send("PUT", "/doc.txt", ["If: (<\(t)>)"], body: "text").status == .noContent)
    let patch = send(
      "PROPPATCH", "/doc.txt", ["If: (<\(t)>)"],
      body: """
        <D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop>\
        <Z:Win32CreationTime>Mon, 30 Nov 2026 10:00:00 GMT</Z:Win32CreationTime>\
        <Z:Win32LastModifiedTime>Mon, 30 Nov 2026 10:00:01 GMT</Z:Win32LastModifiedTime>\
        <Z:Win32FileAttributes>00000020</Z:Win32FileAttributes></D:prop></D:set></D:propertyupdate>
        """)
    #expect(text(patch).contains("200 OK") && !text(patch).contains("424"))
    #expect(send("UNLOCK", "/doc.txt", ["Lock-Token: <\(t)>"]).status == .noContent)
    #expect(send("MOVE", "/doc.txt", ["Destination: http://h/renamed.txt", "Overwrite: T"]).status == .created)
    #expect(text(send("PROPFIND", "/renamed.txt", ["Depth: 0"])).contains("00000020"))
  }

  // MARK: The If field on its own

  @Test func ifFieldsParseAndEvaluateAsRFC4918Says() throws {
    let field = try #require(IfHeader("<http://h/a> (<urn:t1> [\"e1\"]) (Not <DAV:no-lock>) </b> (<urn:t2>)"))
    #expect(field.lists.count == 3)
    #expect(field.lists[0].resource == "/a" && field.lists[2].resource == "/b")
    #expect(field.submittedTokens == ["urn:t1", "urn:t2"])
    let state: (String) -> IfHeader.State = { path in
      IfHeader.State(lockTokens: path == "/a" ? ["urn:t1"] : [], etag: path == "/a" ? "\"e1\"" : nil)
    }
    #expect(field.holds(requestPath: "/x", state: state))
    #expect(try #require(IfHeader("(<urn:nope>)")).holds(requestPath: "/a", state: state) == false)
    for bad in ["", "(", "()", "(<a>", "<a>", "(x)", "([e)"] { #expect(IfHeader(bad) == nil, "\(bad)") }
  }
}
