import FTP
import Foundation
import HTTP
import ServerCore
import TestSupport
import Testing
import Transport

/// HTTP Basic auth against the FTP users file: alice may write, bob may only read.
@Suite final class AuthTests {
  let root: String

  init() throws {
    root = try Fixture.site()
  }

  deinit { Fixture.remove(root) }

  static let check: @Sendable (String, String) -> HTTPAuth.Access? = { name, password in
    guard let account = FTPTestServer.users.account(named: name), PasswordHash.verify(password, against: account.hash)
    else { return nil }
    return account.canWrite ? .write : .read
  }

  func server(writesOnly: Bool) throws -> TestServer {
    try TestServer(root: root) {
      $0.auth = HTTPAuth(writesOnly: writesOnly, check: Self.check)
      $0.files.uploads.enabled = true
    }
  }

  func curl(_ arguments: [String]) throws -> String {
    try Command.run("curl", ["-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}"] + arguments).out
  }

  @Test func everythingNeedsAnAccount() throws {
    let s = try server(writesOnly: false)
    defer { s.stop() }
    let head = try Command.run("curl", ["-sS", "-D", "-", "-o", "/dev/null", s.url("/hello.txt")]).out
    #expect(head.hasPrefix("HTTP/1.1 401"))
    #expect(head.contains("WWW-Authenticate: Basic realm=\"barenet\", charset=\"UTF-8\""))
    #expect(try curl(["-u", "bob:builder", s.url("/hello.txt")]) == "200")
    #expect(try curl(["-u", "bob:wrong", s.url("/hello.txt")]) == "401")
    #expect(try curl(["-u", "nobody:builder", s.url("/hello.txt")]) == "401")
    #expect(try curl(["-H", "Authorization: Basic !!!not-base64", s.url("/hello.txt")]) == "401")
    #expect(try curl(["-H", "Authorization: Bearer abc", s.url("/hello.txt")]) == "401")
    // Reading is not writing: bob is refused an upload (403), alice is not.
    #expect(try curl(["-u", "bob:builder", "-T", root + "/hello.txt", s.url("/docs/by-bob.txt")]) == "403")
    #expect(try curl(["-u", "alice:wonderland", "-T", root + "/hello.txt", s.url("/docs/by-alice.txt")]) == "201")
    #expect(FileManager.default.fileExists(atPath: root + "/docs/by-alice.txt"))
    #expect(!FileManager.default.fileExists(atPath: root + "/docs/by-bob.txt"))
  }

  @Test func writesOnlyLetsEveryoneRead() throws {
    let s = try server(writesOnly: true)
    defer { s.stop() }
    #expect(try curl([s.url("/hello.txt")]) == "200")
    #expect(try curl(["-T", root + "/hello.txt", s.url("/docs/anonymous.txt")]) == "401")
    #expect(try curl(["-u", "alice:wonderland", "-T", root + "/hello.txt", s.url("/docs/alice.txt")]) == "201")
  }

  @Test func credentialsAreParsedStrictly() {
    #expect(HTTPAuth.credentials("Basic YWxpY2U6d29uZGVybGFuZA==")! == ("alice", "wonderland"))
    #expect(HTTPAuth.credentials("basic  YTpiOmM=")! == ("a", "b:c"))  // the password may hold ':'
    #expect(HTTPAuth.credentials("Basic bm9jb2xvbg==") == nil)  // "nocolon"
    #expect(HTTPAuth.credentials("Basic") == nil)
    #expect(HTTPAuth.credentials("Digest abc") == nil)
    #expect(HTTPAuth.credentials(nil) == nil)
  }

  @Test func plainHTTPAuthOffLoopbackIsWarnedAbout() throws {
    let users = NSTemporaryDirectory() + "barenet-users-\(UUID().uuidString)"
    defer { Fixture.remove(users) }
    try FTPTestServer.users.text.write(toFile: users, atomically: true, encoding: .utf8)
    // Decided from the address alone: tests never listen beyond loopback.
    let wildcard = HTTPAuth.clearTextWarning(listeningOn: try SocketAddress(host: "0.0.0.0", port: 80))
    #expect(wildcard?.contains("passwords cross the network in clear text") == true)
    #expect(HTTPAuth.clearTextWarning(listeningOn: try SocketAddress(host: "::", port: 80)) != nil)
    let port = try freeLoopbackPort()
    let local = try BarenetProcess(["http", root, "--port", "\(port)", "--auth", users], port: port)
    let banner = local.waitForLog(containing: "exposed:")
    #expect(banner.contains("exposed: only accounts may read") && !banner.contains("warning"), "\(banner)")
    #expect(try SocketAddress(host: "127.0.0.2", port: 0).isLoopback)
    #expect(try SocketAddress(host: "::1", port: 0).isLoopback)
    #expect(try !SocketAddress(host: "0.0.0.0", port: 0).isLoopback)
    #expect(try !SocketAddress(host: "::", port: 0).isLoopback)
  }
}
