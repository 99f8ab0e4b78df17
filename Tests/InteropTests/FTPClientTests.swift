import Foundation
import TestSupport
import Testing
import Transport

/// Real FTP clients against the server: curl, lftp, tnftp and Python's ftplib.
@Suite final class FTPClientTests {
  let root: String
  let server: FTPTestServer
  let work: String

  init() throws {
    root = try Fixture.site()
    server = try FTPTestServer(root: root)
    work = try Fixture.scratch("ftp-clients")
  }

  deinit {
    server.stop()
    Fixture.remove(root)
    Fixture.remove(work)
  }

  func curl(_ arguments: [String]) throws -> Command.Result {
    try Command.run("curl", ["-sS", "--max-time", "30"] + arguments)
  }

  func contents(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  @Test func curlDownloadsInEveryDataMode() throws {
    for mode in [[], ["--disable-epsv"], ["-P", "127.0.0.1"], ["-P", "127.0.0.1", "--disable-eprt"]] {
      let r = try curl(mode + [server.url("/hello.txt")])
      #expect(r.status == 0, "\(mode): \(r.err)")
      #expect(r.out == "Hello, world!\n", "\(mode)")
    }
  }

  @Test func curlLargeFileExactBytes() throws {
    let big = Fixture.bigPattern(40 * 1024 * 1024)
    try Data(big).write(to: URL(fileURLWithPath: root + "/forty.bin"))
    for mode in [[], ["-P", "127.0.0.1"]] {
      let out = work + "/forty-\(mode.count).bin"
      let r = try curl(mode + ["-o", out, server.url("/forty.bin")])
      #expect(r.status == 0, "\(r.err)")
      #expect(try contents(out) == big)
    }
  }

  @Test func curlListsNames() throws {
    let r = try curl(["-l", server.url("/docs/")])
    #expect(r.out == "readme.txt\r\n" || r.out == "readme.txt\n")
    let long = try curl([server.url("/")])
    #expect(long.out.contains(" hello.txt"))
  }

  @Test func curlUploadsWithAnAccountAndNotAnonymously() throws {
    let file = work + "/up.txt"
    try "uploaded by curl\n".write(toFile: file, atomically: true, encoding: .utf8)
    let anonymous = try curl(["-T", file, server.url("/up.txt")])
    #expect(anonymous.status != 0)
    #expect(!FileManager.default.fileExists(atPath: root + "/up.txt"))
    let alice = try curl(["-T", file, server.url("/up.txt", user: "alice:wonderland")])
    #expect(alice.status == 0, "\(alice.err)")
    #expect(try String(contentsOfFile: root + "/up.txt", encoding: .utf8) == "uploaded by curl\n")
    let bob = try curl(["-T", file, server.url("/bob.txt", user: "bob:builder")])
    #expect(bob.status != 0)
  }

  @Test func curlResumesADownload() throws {
    let out = work + "/resume.bin"
    let pattern = Fixture.bigPattern(3 * 1024 * 1024)
    try Data(pattern[0..<777_777]).write(to: URL(fileURLWithPath: out))
    let r = try curl(["-C", "-", "-o", out, server.url("/big.bin")])
    #expect(r.status == 0, "\(r.err)")
    #expect(try contents(out) == pattern)
  }

  @Test func curlResumesAnUpload() throws {
    let pattern = Fixture.bigPattern(1_000_000)
    try Data(pattern[0..<400_000]).write(to: URL(fileURLWithPath: root + "/partial.bin"))
    let local = work + "/whole.bin"
    try Data(pattern).write(to: URL(fileURLWithPath: local))
    let r = try curl(["-C", "-", "-T", local, server.url("/partial.bin", user: "alice:wonderland")])
    #expect(r.status == 0, "\(r.err)")
    #expect(try contents(root + "/partial.bin") == pattern)
  }

  @Test func lftpListsGetsAndMirrors() throws {
    try FileManager.default.createDirectory(atPath: root + "/docs/nested/deeper", withIntermediateDirectories: true)
    try "deep\n".write(toFile: root + "/docs/nested/deeper/deep.txt", atomically: true, encoding: .utf8)
    let script = [
      "set net:max-retries 1", "set net:timeout 10", "set ftp:ssl-allow no", "ls",
      "get hello.txt -o \(work)/lftp-hello.txt", "mirror docs \(work)/mirror", "bye",
    ].joined(separator: "; ")
    let r = try Command.run("lftp", ["-p", "\(server.port)", "-u", "anonymous,guest", "-e", script, "127.0.0.1"])
    #expect(r.status == 0, "\(r.err)")
    #expect(r.out.contains(" hello.txt"))
    #expect(try String(contentsOfFile: work + "/lftp-hello.txt", encoding: .utf8) == "Hello, world!\n")
    #expect(try String(contentsOfFile: work + "/mirror/nested/deeper/deep.txt", encoding: .utf8) == "deep\n")
    #expect(try String(contentsOfFile: work + "/mirror/readme.txt", encoding: .utf8).hasPrefix("a file"))
  }

  @Test func tnftpScript() throws {
    let script = """
      open 127.0.0.1 \(server.port)
      user anonymous guest
      binary
      cd docs
      get readme.txt \(work)/tnftp-readme.txt
      cd /
      ls
      quit

      """
    let r = try Command.run(try Command.which("tnftp"), ["-n"], input: Data(script.utf8))
    #expect(r.status == 0, "\(r.err)")
    #expect(r.out.contains("hello.txt"))
    #expect(try String(contentsOfFile: work + "/tnftp-readme.txt", encoding: .utf8).hasPrefix("a file"))
  }

  @Test func wgetGetsAFileAndAFolder() throws {
    let one = try Command.run("wget", ["-q", "-O", work + "/w.txt", "--timeout=20", server.url("/hello.txt")])
    #expect(one.status == 0, "\(one.err)")
    #expect(try String(contentsOfFile: work + "/w.txt", encoding: .utf8) == "Hello, world!\n")
    let tree = try Command.run(
      "wget", ["-q", "-r", "-nH", "-P", work + "/wtree", "--timeout=20", server.url("/docs/")])
    #expect(tree.status == 0, "\(tree.err)")
    #expect(try String(contentsOfFile: work + "/wtree/docs/readme.txt", encoding: .utf8).hasPrefix("a file"))
  }

  @Test func pythonFtplibEveryCommand() throws {
    let script = Fixture.packageRoot.appendingPathComponent("fixtures/scripts/ftplib_session.py").path
    let r = try Command.run("python3", [script, "\(server.port)", root], timeout: 120)
    #expect(r.status == 0, "ftplib: \(r.err)\(r.out)")
    #expect(r.out.contains("all checks passed"))
  }
}

/// Attacks on the data channel, with raw sockets.
@Suite final class FTPSecurityTests {
  let root: String
  let server: FTPTestServer

  init() throws {
    root = try Fixture.site()
    server = try FTPTestServer(root: root)
  }

  deinit {
    server.stop()
    Fixture.remove(root)
  }

  @Test func passiveConnectionFromAnotherHostIsRefused() throws {
    let control = try RawClient(server.address)
    try control.ftpLogin()
    try control.send("TYPE I\r\n")
    _ = try control.ftpReply()
    try control.send("EPSV\r\n")
    let epsv = try control.ftpReply()
    let port = UInt16(epsv.split(separator: "|")[1])!
    // An intruder at 127.0.0.2 races for the port: its connection is closed, unused.
    let intruder = try RawClient(try SocketAddress(host: "127.0.0.1", port: port), from: "127.0.0.2")
    usleep(100_000)
    let thief = try RawClient(try SocketAddress(host: "127.0.0.1", port: port))
    try control.send("RETR hello.txt\r\n")
    #expect(try control.ftpReply().hasPrefix("150"))
    let got = try thief.receiveAll()
    #expect(got == Array("Hello, world!\n".utf8), "\(String(decoding: got, as: UTF8.self))")
    #expect(try control.ftpReply().hasPrefix("226"))
    #expect(intruder.isClosedByPeer())
  }

  @Test func passivePortsComeFromTheConfiguredRange() throws {
    let ranged = try FTPTestServer(root: root) { $0.passivePorts = 50_200...50_209 }
    defer { ranged.stop() }
    let c = try RawClient(ranged.address)
    try c.ftpLogin()
    for _ in 0..<3 {
      try c.send("EPSV\r\n")
      let port = Int(try c.ftpReply().split(separator: "|")[1])!
      #expect((50_200...50_209).contains(port))
    }
  }

  @Test func idleSessionGets421() throws {
    let quick = try FTPTestServer(root: root) { $0.idleTimeout = 1 }
    defer { quick.stop() }
    let c = try RawClient(quick.address)
    try c.ftpLogin()
    #expect(try c.ftpReply().hasPrefix("421"))
    #expect(c.isClosedByPeer())
  }

  @Test func sessionLimitGives421() throws {
    let small = try FTPTestServer(root: root) { $0.maxSessions = 1 }
    defer { small.stop() }
    let first = try RawClient(small.address)
    #expect(try first.ftpReply().hasPrefix("220"))
    let second = try RawClient(small.address)
    #expect(try second.ftpReply().hasPrefix("421"))
  }

  @Test func longLinesAndGarbageGetErrorsNotCrashes() throws {
    let c = try RawClient(server.address)
    try c.ftpLogin()
    try c.send(String(repeating: "A", count: 10_000) + "\r\n")
    #expect(try c.ftpReply().hasPrefix("500"))
    try c.send([0xFF, 0xF4, 0xFF, 0xF2] + Array("NOOP\r\n".utf8))
    #expect(try c.ftpReply().hasPrefix("200"))
    try c.send("\u{1}\u{2}\r\n")
    #expect(try c.ftpReply().hasPrefix("500"))
    try c.send("PWD\r\n")
    #expect(try c.ftpReply().hasPrefix("257"))
  }
}
