import Foundation
import ServerCore
import TestSupport
import Testing
import Transport

@testable import FTP

@Suite struct CommandLineSplitterTests {
  func lines(_ text: [UInt8], limit: Int = 4096) -> [CommandLineSplitter.Line] {
    var splitter = CommandLineSplitter(limit: limit)
    var buffer = text[...]
    var result: [CommandLineSplitter.Line] = []
    while true {
      let (line, consumed) = splitter.next(buffer)
      buffer = buffer.dropFirst(consumed)
      if let line { result.append(line) } else if consumed == 0 { break }
    }
    return result
  }

  @Test func splitsOnCRLFAndLF() {
    #expect(lines(Array("USER a\r\nPASS b\nQUIT\r\n".utf8)) == [.line("USER a"), .line("PASS b"), .line("QUIT")])
    #expect(lines(Array("NOOP".utf8)).isEmpty)
  }

  @Test func stripsTelnetCommands() {
    // IAC IP, IAC DM before ABOR (what ftplib and curl send), and IAC IAC as a literal 0xFF.
    #expect(lines([0xFF, 0xF4, 0xFF, 0xF2] + Array("ABOR\r\n".utf8)) == [.line("ABOR")])
    #expect(lines(Array("RETR a".utf8) + [0xFF, 0xFF] + Array("\r\n".utf8)) == [.line("RETR a\u{FFFD}")])
    #expect(lines([0xFF, 0xFD, 0x01] + Array("NOOP\r\n".utf8)) == [.line("NOOP")])
  }

  @Test func longLinesAreReportedOnceAndSkipped() {
    let long = Array(String(repeating: "x", count: 100).utf8)
    #expect(lines(long + Array("\r\nNOOP\r\n".utf8), limit: 50) == [.tooLong, .line("NOOP")])
    #expect(lines(long + long + Array("\r\nNOOP\r\n".utf8), limit: 50) == [.tooLong, .line("NOOP")])
  }

  @Test func commands() {
    #expect(FTPCommand(line: "retr my file.txt") == FTPCommand(verb: "RETR", argument: "my file.txt"))
    #expect(FTPCommand(line: "PWD") == FTPCommand(verb: "PWD", argument: ""))
    #expect(FTPCommand(line: "") == nil)
    #expect(FTPCommand(line: "TOOLONG x") == nil)
    #expect(FTPCommand(line: "R3TR x") == nil)
  }
}

@Suite struct ASCIIConversionTests {
  @Test func toNetworkAddsCROnlyWhereMissing() {
    var c = ASCIIConversion()
    #expect(c.toNetwork(Array("a\nb\r\nc".utf8)) == Array("a\r\nb\r\nc".utf8))
  }

  @Test func fromNetworkAcrossChunkBoundaries() {
    var c = ASCIIConversion()
    let out = c.fromNetwork(Array("a\r".utf8)) + c.fromNetwork(Array("\nb\rc\r".utf8)) + c.finishFromNetwork()
    #expect(out == Array("a\nb\rc\r".utf8))
  }
}

@Suite struct AccountsTests {
  @Test func hashesVerifyAndAreSalted() throws {
    let a = try #require(PasswordHash.make("secret"))
    let b = try #require(PasswordHash.make("secret"))
    #expect(a.hasPrefix("$y$"))
    #expect(a != b)
    #expect(!a.contains("secret"))
    #expect(PasswordHash.verify("secret", against: a))
    #expect(!PasswordHash.verify("Secret", against: a))
    #expect(!PasswordHash.verify("", against: a))
    #expect(!PasswordHash.verify("secret", against: "plaintext"))
  }

  @Test func usersFileRoundTripsAndReportsBadLines() throws {
    let text = "# comment\nalice:$y$abc:write\n\nbob:$y$def:read\n"
    let file = try UsersFile(text: text)
    #expect(file.accounts.map(\.name) == ["alice", "bob"])
    #expect(file.account(named: "alice")?.canWrite == true)
    #expect(try UsersFile(text: file.text) == file)
    for (bad, line) in [
      ("alice:$y$a", 1), ("ok:$y$a:read\nx:plain:read", 2), ("a:$y$a:admin", 1), ("a:$y$:read\na:$y$:read", 2),
      ("anonymous:$y$a:read", 1), ("a b:$y$a:read", 1),
    ] {
      #expect(throws: UsersFile.ParseError.self) { try UsersFile(text: bad) }
      do { _ = try UsersFile(text: bad) } catch { #expect(error.line == line, "\(bad)") }
    }
  }
}

@Suite struct ListingFormatTests {
  @Test func lsLineLooksLikeLs() {
    var info = stat()
    info.st_mode = S_IFREG | 0o644
    info.st_size = 1234
    info.st_nlink = 1
    info.st_mtim.tv_sec = 784_111_777
    let line = ListingFormat.lsLine(FileFacts(name: "a b.txt", info: info), now: 784_111_777 + 60)
    #expect(line == "-rw-r--r--    1 ftp      ftp          1234 Nov  6 08:49 a b.txt")
    let old = ListingFormat.lsLine(FileFacts(name: "x", info: info), now: 784_111_777 + 400 * 86400)
    #expect(old.hasSuffix("Nov  6  1994 x"))
  }

  @Test func factsAndTimestamps() {
    var info = stat()
    info.st_mode = S_IFDIR | 0o755
    info.st_mtim.tv_sec = 784_111_777
    let facts = ListingFormat.facts(FileFacts(name: "docs", info: info), canWrite: false)
    #expect(facts.hasPrefix("type=dir;modify=19941106084937;perm=el;unique="))
    #expect(facts.hasSuffix("; docs"))
    #expect(ListingFormat.timestamp(784_111_777) == "19941106084937")
  }
}

/// The session state machine, driven with commands and no socket.
@Suite final class FTPSessionTests {
  let root: String
  let jail: PathResolver

  init() throws {
    root = try Fixture.site()
    let real = try PathResolver(root: "/", allowDotfiles: true).contained(root)
    jail = PathResolver(root: real, allowDotfiles: false)
  }

  deinit { Fixture.remove(root) }

  func session(peer: String = "127.0.0.1") -> FTPSession {
    var options = FTPSessionOptions()
    options.users = FTPTestServer.users
    options.loginFailureDelay = 1
    return FTPSession(
      jail: jail, options: options, peer: try! SocketAddress(host: peer, port: 40000),
      local: try! SocketAddress(host: "127.0.0.1", port: 2121))
  }

  /// The reply codes among the actions.
  func codes(_ actions: [FTPAction]) -> [Int] {
    actions.compactMap { if case .reply(let r) = $0 { return r.code } else { return nil } }
  }

  func text(_ actions: [FTPAction]) -> String {
    actions.compactMap { if case .reply(let r) = $0 { return r.wire } else { return nil } }.joined()
  }

  func run(_ s: FTPSession, _ line: String) -> [FTPAction] {
    s.handle(FTPCommand(line: line)!)
  }

  func loggedIn(_ user: String = "anonymous", _ password: String = "me@example.org") -> FTPSession {
    let s = session()
    _ = run(s, "USER \(user)")
    #expect(codes(run(s, "PASS \(password)")) == [230])
    return s
  }

  @Test func loginFlows() {
    let s = session()
    #expect(codes(run(s, "PWD")) == [530])
    #expect(codes(run(s, "PASS x")) == [503])
    #expect(codes(run(s, "USER anonymous")) == [331])
    #expect(codes(run(s, "PASS guest@")) == [230])
    #expect(s.userName == "anonymous")
    let alice = session()
    _ = run(alice, "USER alice")
    #expect(codes(run(alice, "PASS wonderland")) == [230])
  }

  @Test func failedLoginsAreDelayedAndEndTheSession() {
    let s = session()
    for attempt in 1...3 {
      _ = run(s, "USER alice")
      let actions = run(s, "PASS nope")
      guard case .pause = actions.first else {
        Issue.record("no pause before 530")
        return
      }
      #expect(codes(actions).first == 530)
      if attempt == 3 {
        #expect(codes(actions) == [530, 421])
        guard case .close = actions.last else {
          Issue.record("not closed after three failures")
          return
        }
      }
    }
  }

  @Test func informationalCommands() {
    let s = loggedIn()
    #expect(text(run(s, "SYST")) == "215 UNIX Type: L8\r\n")
    let feat = text(run(s, "FEAT"))
    for feature in ["EPSV", "EPRT", "MDTM", "SIZE", "REST STREAM", "UTF8", "MLST type*;size*;modify*;"] {
      #expect(feat.contains(" \(feature)"), "\(feature)")
    }
    #expect(feat.hasPrefix("211-") && feat.hasSuffix("211 End\r\n"))
    #expect(codes(run(s, "OPTS UTF8 ON")) == [200])
    #expect(codes(run(s, "HELP")) == [214])
    #expect(codes(run(s, "NOOP")) == [200])
    #expect(codes(run(s, "ALLO 100")) == [202])
    #expect(codes(run(s, "MODE S")) == [200])
    #expect(codes(run(s, "MODE B")) == [504])
    #expect(codes(run(s, "STRU F")) == [200])
    #expect(codes(run(s, "STRU R")) == [504])
    #expect(codes(run(s, "TYPE I")) == [200])
    #expect(codes(run(s, "TYPE A")) == [200])
    #expect(codes(run(s, "TYPE E")) == [504])
    #expect(codes(run(s, "XYZW")) == [500])
    #expect(text(run(s, "STAT")).hasPrefix("211-"))
    #expect(text(run(s, "STAT /docs")).contains("readme.txt"))
  }

  @Test func navigationStaysInsideTheRoot() {
    let s = loggedIn()
    #expect(text(run(s, "PWD")) == "257 \"/\" is the current directory.\r\n")
    #expect(codes(run(s, "CWD docs")) == [250])
    #expect(text(run(s, "XPWD")).hasPrefix("257 \"/docs\""))
    #expect(codes(run(s, "CDUP")) == [250])
    // Climbing above the root is refused (550), never taken as the root.
    #expect(codes(run(s, "CWD ../../../..")) == [550])
    #expect(codes(run(s, "CDUP")) == [550])
    #expect(text(run(s, "PWD")).hasPrefix("257 \"/\""))
    #expect(codes(run(s, "CWD /etc-link")) == [550])
    #expect(codes(run(s, "CWD nope")) == [550])
    #expect(codes(run(s, "CWD hello.txt")) == [550])
    #expect(codes(run(s, "SIZE ../../etc/passwd")) == [550])
    #expect(codes(run(s, "SIZE passwd-link")) == [550])
    #expect(codes(run(s, "SIZE .secret")) == [550])
  }

  @Test func sizeAndMdtm() {
    let s = loggedIn()
    _ = run(s, "TYPE I")
    #expect(text(run(s, "SIZE hello.txt")) == "213 14\r\n")
    #expect(text(run(s, "SIZE /docs/readme.txt")) == "213 38\r\n")
    _ = run(s, "TYPE A")
    #expect(text(run(s, "SIZE hello.txt")) == "213 15\r\n")  // one LF becomes CRLF
    #expect(text(run(s, "MDTM hello.txt")).range(of: #"^213 \d{14}\r\n$"#, options: .regularExpression) != nil)
    #expect(codes(run(s, "SIZE docs")) == [550])
  }

  @Test func mlst() {
    let s = loggedIn()
    let reply = text(run(s, "MLST hello.txt"))
    #expect(reply.hasPrefix("250-"))
    #expect(reply.contains(" type=file;size=14;modify="))
    #expect(reply.contains("; /hello.txt\r\n"))
    #expect(codes(run(s, "OPTS MLST type;size;")) == [200])
    #expect(text(run(s, "MLST hello.txt")).contains(" type=file;size=14; /hello.txt"))
  }

  @Test func transfersNeedADataEndpoint() {
    let s = loggedIn()
    #expect(codes(run(s, "RETR hello.txt")) == [425])
    #expect(codes(run(s, "LIST")) == [425])
  }

  @Test func passiveAndActiveSetUp() {
    let s = loggedIn()
    guard case .openPassive(extended: false)? = run(s, "PASV").first else {
      Issue.record("PASV did not ask for a listener")
      return
    }
    #expect(
      text(s.passiveOpened(at: try! SocketAddress(host: "127.0.0.1", port: 50001), extended: false))
        == "227 Entering Passive Mode (127,0,0,1,195,81).\r\n")
    #expect(
      text(s.passiveOpened(at: try! SocketAddress(host: "127.0.0.1", port: 50001), extended: true))
        == "229 Entering Extended Passive Mode (|||50001|)\r\n")
    #expect(codes(run(s, "EPSV 2")) == [522])
    #expect(codes(run(s, "PORT 127,0,0,1,200,10")) == [200])
    #expect(codes(run(s, "EPRT |1|127.0.0.1|51234|")) == [200])
    #expect(codes(run(s, "EPRT |3|x|1|")) == [522])
    #expect(codes(run(s, "PORT 1,2,3")) == [501])
    #expect(codes(run(s, "EPSV ALL")) == [200])
    #expect(codes(run(s, "PORT 127,0,0,1,200,10")) == [503])
    #expect(codes(run(s, "PASV")) == [503])
  }

  @Test func bounceIsRefused() {
    let s = loggedIn()
    #expect(codes(run(s, "PORT 127,0,0,2,200,10")) == [501])  // another host
    #expect(codes(run(s, "PORT 127,0,0,1,0,21")) == [501])  // a privileged port
    #expect(codes(run(s, "EPRT |1|192.0.2.1|5000|")) == [501])
    #expect(codes(run(s, "EPRT |2|::1|5000|")) == [501])
  }

  @Test func retrieveStartsATransferWithRestart() throws {
    let s = loggedIn()
    _ = run(s, "TYPE I")
    _ = s.passiveOpened(at: try SocketAddress(host: "127.0.0.1", port: 50001), extended: true)
    #expect(codes(run(s, "REST 7")) == [350])
    let actions = run(s, "RETR hello.txt")
    #expect(codes(actions) == [150])
    guard case .startTransfer(let t)? = actions.last, case .file(_, let offset, let length) = t.payload else {
      Issue.record("no transfer")
      return
    }
    #expect(offset == 7 && length == 7)
    #expect(t.activeTarget == nil)
    #expect(s.isTransferring)
    #expect(codes(s.transferFinished(.completed(bytes: 7))) == [226])
    #expect(!s.isTransferring)
    // The endpoint served one transfer.
    #expect(codes(run(s, "RETR hello.txt")) == [425])
  }

  @Test func anonymousCannotWrite() {
    let s = loggedIn()
    _ = s.passiveOpened(at: try! SocketAddress(host: "127.0.0.1", port: 50001), extended: true)
    for command in ["STOR x.txt", "APPE x.txt", "STOU", "DELE hello.txt", "MKD new", "RMD docs", "RNFR hello.txt"] {
      #expect(codes(run(s, command)) == [550], "\(command)")
    }
    #expect(FileManager.default.fileExists(atPath: root + "/hello.txt"))
  }

  @Test func readOnlyAccountCannotWrite() {
    let s = loggedIn("bob", "builder")
    #expect(codes(run(s, "MKD new")) == [550])
    #expect(codes(run(s, "DELE hello.txt")) == [550])
  }

  @Test func writerCanManageFiles() throws {
    let s = loggedIn("alice", "wonderland")
    #expect(text(run(s, "MKD new \"dir\"")) == "257 \"/new \"\"dir\"\"\" created.\r\n")
    #expect(codes(run(s, "RNTO x")) == [503])
    #expect(codes(run(s, "RNFR hello.txt")) == [350])
    #expect(codes(run(s, "RNTO new \"dir\"/hi.txt")) == [250])
    #expect(FileManager.default.fileExists(atPath: root + "/new \"dir\"/hi.txt"))
    #expect(codes(run(s, "RMD new \"dir\"")) == [550])  // not empty
    #expect(codes(run(s, "DELE new \"dir\"/hi.txt")) == [250])
    #expect(codes(run(s, "XRMD new \"dir\"")) == [250])
    #expect(codes(run(s, "XMKD ../../escape")) == [550])  // above the root: nothing is made
    #expect(!FileManager.default.fileExists(atPath: root + "/escape"))
    #expect(codes(run(s, "STOR ../escape.txt")) == [550])
    #expect(codes(run(s, "RNFR page.html")) == [350])
    #expect(codes(run(s, "RNTO ../moved.html")) == [550])
    #expect(FileManager.default.fileExists(atPath: root + "/page.html"))
    #expect(codes(run(s, "MKD .hidden")) == [550])
    #expect(codes(run(s, "DELE etc-link/passwd")) == [550])
    #expect(codes(run(s, "RMD /")) == [550])
  }

  @Test func uploadIsAtomicAndFailuresLeaveNoDebris() throws {
    let s = loggedIn("alice", "wonderland")
    _ = run(s, "TYPE I")
    _ = s.passiveOpened(at: try SocketAddress(host: "127.0.0.1", port: 50001), extended: true)
    guard case .startTransfer(let t)? = run(s, "STOR hello.txt").last, case .upload(let upload) = t.payload else {
      Issue.record("no upload")
      return
    }
    #expect(upload.write(Array("NEW CONTENT".utf8)))
    // Until the transfer completes, the old file is what readers see.
    #expect(try String(contentsOfFile: root + "/hello.txt", encoding: .utf8) == "Hello, world!\n")
    #expect(codes(s.transferFinished(.interrupted(bytes: 11))) == [426])
    #expect(try String(contentsOfFile: root + "/hello.txt", encoding: .utf8) == "Hello, world!\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasPrefix(".barenet") }.isEmpty)

    _ = s.passiveOpened(at: try SocketAddress(host: "127.0.0.1", port: 50001), extended: true)
    guard case .startTransfer(let t2)? = run(s, "STOR hello.txt").last, case .upload(let u2) = t2.payload else {
      Issue.record("no upload")
      return
    }
    #expect(u2.write(Array("NEW CONTENT".utf8)))
    #expect(codes(s.transferFinished(.completed(bytes: 11))) == [226])
    #expect(try String(contentsOfFile: root + "/hello.txt", encoding: .utf8) == "NEW CONTENT")
  }

  @Test func stouPicksAFreshName() throws {
    let s = loggedIn("alice", "wonderland")
    _ = s.passiveOpened(at: try SocketAddress(host: "127.0.0.1", port: 50001), extended: true)
    let actions = run(s, "STOU hello.txt")
    #expect(text(actions) == "150 FILE: hello.txt.1\r\n")
    _ = s.transferFinished(.completed(bytes: 0))
    #expect(FileManager.default.fileExists(atPath: root + "/hello.txt.1"))
  }

  @Test func quitDuringATransferWaitsForIt() throws {
    let s = loggedIn()
    _ = s.passiveOpened(at: try SocketAddress(host: "127.0.0.1", port: 50001), extended: true)
    _ = run(s, "RETR hello.txt")
    #expect(run(s, "QUIT").isEmpty)
    let end = s.transferFinished(.completed(bytes: 14))
    #expect(codes(end) == [226, 221])
  }

  @Test func aborWithAndWithoutATransfer() throws {
    let s = loggedIn()
    #expect(codes(run(s, "ABOR")) == [225])
    _ = s.passiveOpened(at: try SocketAddress(host: "127.0.0.1", port: 50001), extended: true)
    _ = run(s, "RETR hello.txt")
    let actions = run(s, "ABOR")
    guard case .abortTransfer? = actions.first else {
      Issue.record("ABOR did not abort")
      return
    }
    #expect(codes(actions) == [226])
    #expect(codes(s.transferFinished(.aborted(bytes: 3))) == [426])
  }
}
