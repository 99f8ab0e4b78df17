import FTP
import Foundation
import ServerCore
import TestSupport
import Testing
import Transport

/// RFC 4217's commands in the session state machine, with no socket: AUTH, PBSZ, PROT, CCC and
/// the clear-login rule.
@Suite final class FTPSecurityTests {
  let root: String
  let jail: PathResolver

  init() throws {
    root = try Fixture.site()
    let real = try PathResolver(root: "/", allowDotfiles: true).contained(root)
    jail = PathResolver(root: real, allowDotfiles: false)
  }

  deinit { Fixture.remove(root) }

  func session(offered: Bool = true, required: Bool = false) -> FTPSession {
    var options = FTPSessionOptions()
    options.users = FTPTestServer.users
    options.loginFailureDelay = 1
    options.tls.offered = offered
    options.tls.required = required
    return FTPSession(
      jail: jail, options: options, peer: try! SocketAddress(host: "127.0.0.1", port: 40000),
      local: try! SocketAddress(host: "127.0.0.1", port: 2121))
  }

  func codes(_ actions: [FTPAction]) -> [Int] {
    actions.compactMap { if case .reply(let r) = $0 { return r.code } else { return nil } }
  }

  func run(_ s: FTPSession, _ line: String) -> [FTPAction] { s.handle(FTPCommand(line: line)!) }

  @Test func withoutACertificateNothingIsOffered() {
    let s = session(offered: false)
    #expect(codes(run(s, "AUTH TLS")) == [502])
    #expect(!(run(s, "FEAT").description.contains("AUTH TLS")))
  }

  @Test func authPbszProtInOrder() {
    let s = session()
    #expect(codes(run(s, "PBSZ 0")) == [503])
    #expect(codes(run(s, "PROT P")) == [503])
    #expect(codes(run(s, "AUTH KERBEROS")) == [504])
    let auth = run(s, "AUTH TLS")
    #expect(codes(auth) == [234])
    #expect(auth.contains { if case .startTLS = $0 { return true } else { return false } })
    #expect(s.secured && codes(run(s, "AUTH TLS")) == [503])
    #expect(codes(run(s, "PROT P")) == [503])  // PBSZ first
    #expect(codes(run(s, "PBSZ 0")) == [200])
    #expect(codes(run(s, "PROT S")) == [536])
    #expect(codes(run(s, "PROT P")) == [200] && s.protectData)
    #expect(codes(run(s, "PROT C")) == [200] && !s.protectData)
    #expect(codes(run(s, "CCC")) == [534])
  }

  @Test func featListsTheSecurityCommands() {
    let feat = run(session(), "FEAT").description
    #expect(feat.contains("AUTH TLS") && feat.contains("PBSZ") && feat.contains("PROT"))
  }

  @Test func requiredRefusesAccountsInTheClearButNotAnonymous() {
    let clear = session(required: true)
    #expect(codes(run(clear, "USER alice")) == [530])
    #expect(codes(run(clear, "USER anonymous")) == [331])
    let secured = session(required: true)
    _ = run(secured, "AUTH TLS")
    #expect(codes(run(secured, "USER alice")) == [331])
    #expect(codes(run(secured, "PASS wonderland")) == [230])
  }

  @Test func protPMarksTheTransferProtected() {
    let s = session()
    _ = run(s, "AUTH TLS")
    _ = run(s, "USER anonymous")
    _ = run(s, "PASS x")
    _ = run(s, "PBSZ 0")
    _ = run(s, "PROT P")
    _ = s.passiveOpened(at: try! SocketAddress(host: "127.0.0.1", port: 50000), extended: true)
    let actions = run(s, "RETR hello.txt")
    let plan = actions.compactMap { if case .startTransfer(let plan) = $0 { return plan } else { return nil } }.first
    #expect(plan?.protected == true)
  }
}
