import Foundation
import TestSupport
import Testing
import Transport

/// Bad input on the TLS layer: each case ends its own connection only, leaks no descriptor and
/// leaves the server serving; and testssl.sh finds nothing rated medium or worse.
@Suite(.serialized) struct HostileTLSTests {
  let certificates: TestCertificates
  let server: BarenetProcess
  let port: UInt16

  init() throws {
    certificates = try TestCertificates()
    let (certificate, key) = try certificates.server()
    port = try freeLoopbackPort()
    let site = Fixture.packageRoot.appendingPathComponent("fixtures/site").path
    server = try BarenetProcess(
      ["http", site, "--port", "\(port)", "--quiet", "--tls-cert", certificate, "--tls-key", key], port: port)
  }

  var address: SocketAddress { get throws { try SocketAddress(host: "127.0.0.1", port: port) } }

  /// The descriptors the server holds once warmed up (loops started, one request served).
  func baseline() throws -> Int {
    #expect(try stillServes())
    usleep(300_000)
    return server.openDescriptors
  }

  /// A request over TLS still works (after each hostile case).
  func stillServes() throws -> Bool {
    let r = try Command.run(
      "curl", ["-sS", "-m", "10", "--cacert", certificates.caCertificate, "https://localhost:\(port)/hello.txt"])
    return r.out == "Hello, world!\n"
  }

  @Test func garbageInPlaceOfAClientHelloIsRefused() throws {
    let baseline = try baseline()
    let client = try RawClient(try address, timeout: 5)
    try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    let reply = try client.receiveAll()  // an alert at most, then the close
    #expect(reply.count < 64 && !String(decoding: reply, as: UTF8.self).contains("HTTP/1.1"))
    client.close()
    #expect(server.waitForDescriptors(atMost: baseline) <= baseline)
    #expect(try stillServes())
  }

  @Test func aRecordTooLargeIsRefused() throws {
    let baseline = try baseline()
    let client = try RawClient(try address, timeout: 5)
    // A handshake record claiming 65,535 bytes: over TLS's 16 KiB + 2,048 limit (RFC 8446 §5.2).
    try client.send([0x16, 0x03, 0x01, 0xFF, 0xFF] + [UInt8](repeating: 0x41, count: 4096))
    _ = try? client.receiveAll()
    #expect(client.isClosedByPeer())
    client.close()
    #expect(server.waitForDescriptors(atMost: baseline) <= baseline)
    #expect(try stillServes())
  }

  @Test func aClientThatVanishesMidHandshakeOrWithoutCloseNotifyCostsNothing() throws {
    let baseline = try baseline()
    // Half a ClientHello then close; and a full request then a TCP close with no close_notify.
    let script = """
      import ssl, socket, sys
      port = int(sys.argv[1])
      incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
      client = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname="localhost")
      try:
          client.do_handshake()
      except ssl.SSLWantReadError:
          pass
      hello = outgoing.read()
      s = socket.create_connection(("127.0.0.1", port)); s.sendall(hello[: len(hello) // 2]); s.close()
      context = ssl.create_default_context(cafile=sys.argv[2])
      t = context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
      t.sendall(b"GET /hello.txt HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n")
      print(b"Hello, world!" in t.recv(4096))
      t.detach().close()  # the TCP connection ends without TLS's closing alert
      """
    let r = try Command.run("/usr/bin/python3", ["-c", script, "\(port)", certificates.caCertificate])
    #expect(r.out.contains("True"), "\(r.out)\(r.err)")
    #expect(server.waitForDescriptors(atMost: baseline) <= baseline)
    #expect(try stillServes())
  }

  @Test func aHandshakeThatStallsIsCut() throws {
    let baseline = try baseline()
    let client = try RawClient(try address, timeout: 15)
    try client.send([0x16, 0x03, 0x01, 0x00, 0x80])  // a record header, then silence
    let start = Date()
    #expect(client.isClosedByPeer())
    let waited = Date().timeIntervalSince(start)
    #expect(waited > 8 && waited < 14, "\(waited)")
    client.close()
    #expect(server.waitForDescriptors(atMost: baseline) <= baseline)
  }

  @Test func testsslFindsNothingMediumOrWorse() throws {
    let json = certificates.folder + "/testssl.json"
    let r = try Command.run(
      "testssl",
      [
        "--quiet", "--color", "0", "--warnings", "off", "--jsonfile", json, "-p", "-s", "-f", "-S", "-U",
        "127.0.0.1:\(port)",
      ], timeout: 300)
    let data = try Data(contentsOf: URL(fileURLWithPath: json))
    let findings = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
    #expect(findings.count > 50, "\(r.out.suffix(2000))")
    // A test CA's certificate cannot pass the chain-of-trust and revocation checks: only a
    // certificate from a public CA would.
    let needsRealCA: Set<String> = ["cert_chain_of_trust", "cert_revocation"]
    let serious = findings.filter { finding in
      let severity = finding["severity"] as? String ?? ""
      return ["MEDIUM", "HIGH", "CRITICAL"].contains(severity) && !needsRealCA.contains(finding["id"] as? String ?? "")
    }
    #expect(serious.isEmpty, "\(serious)")
  }
}
