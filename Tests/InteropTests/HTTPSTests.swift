import Foundation
import TestSupport
import Testing

/// barenet over HTTPS, judged by real clients: curl, wget, Python, headless Chromium, openssl
/// s_client; and certificates reloaded on SIGHUP.
@Suite struct HTTPSTests {
  let certificates: TestCertificates
  let site = Fixture.packageRoot.appendingPathComponent("fixtures/site").path

  init() throws {
    certificates = try TestCertificates()
  }

  /// `barenet http` on a free port with `tls` options.
  func start(_ tls: [String], extra: [String] = []) throws -> (BarenetProcess, UInt16) {
    let port = try freeLoopbackPort()
    let server = try BarenetProcess(["http", site, "--port", "\(port)", "--quiet"] + tls + extra, port: port)
    return (server, port)
  }

  func withCA() throws -> (BarenetProcess, UInt16, String) {
    let (certificate, key) = try certificates.server()
    let (server, port) = try start(["--tls-cert", certificate, "--tls-key", key])
    return (server, port, certificate)
  }

  @Test func curlTrustsTheChainAndTheBannerShowsTheFingerprint() throws {
    let (server, port, certificate) = try withCA()
    defer { server.stop() }
    let r = try Command.run(
      "curl", ["-sS", "--cacert", certificates.caCertificate, "https://localhost:\(port)/hello.txt"])
    #expect(r.status == 0, "\(r.err)")
    #expect(r.out == "Hello, world!\n")
    let log = server.waitForLog(containing: "fingerprint")
    #expect(log.contains("over HTTPS at https://127.0.0.1:\(port)/"))
    #expect(log.contains(try certificates.fingerprint(certificate)), "\(log)")
    // Plain HTTP to the TLS port is not answered as HTTP.
    let plain = try Command.run("curl", ["-sS", "-m", "5", "http://127.0.0.1:\(port)/hello.txt"])
    #expect(plain.status != 0 && !plain.out.contains("Hello"))
  }

  @Test func aKeyOthersCanReadGetsAWarning() throws {
    let (certificate, key) = try certificates.server("exposed")
    chmod(key, 0o644)
    let (server, _) = try start(["--tls-cert", certificate, "--tls-key", key])
    defer { server.stop() }
    #expect(server.waitForLog(containing: "can be read by other users").contains("chmod 600"))
  }

  @Test func wgetAndPythonToo() throws {
    let (server, port, _) = try withCA()
    defer { server.stop() }  // keeps it alive to the end
    let wget = try Command.run(
      "wget",
      ["-q", "-O", "-", "--ca-certificate=\(certificates.caCertificate)", "https://localhost:\(port)/hello.txt"])
    #expect(wget.out == "Hello, world!\n", "\(wget.err)")
    let script = """
      import requests, ssl, http.client, sys
      ca, port = sys.argv[1], int(sys.argv[2])
      r = requests.get(f"https://localhost:{port}/hello.txt", verify=ca)
      context = ssl.create_default_context(cafile=ca)
      c = http.client.HTTPSConnection("localhost", port, context=context)
      c.request("GET", "/data.json")
      body = c.getresponse().read()
      print(r.status_code, r.text.strip(), len(body), c.sock.version(), c.sock.selected_alpn_protocol())
      """
    let python = try Command.run("/usr/bin/python3", ["-c", script, certificates.caCertificate, "\(port)"])
    #expect(python.out.hasPrefix("200 Hello, world!"), "\(python.out)\(python.err)")
    #expect(python.out.contains("TLSv1.3"))
  }

  @Test func chromiumLoadsTheSiteFromASelfSignedServer() throws {
    let (server, port) = try start(["--tls-self-signed"])
    defer { server.stop() }
    let log = server.waitForLog(containing: "fingerprint")
    #expect(log.contains("self-signed certificate for localhost"))
    let work = NSTemporaryDirectory() + "barenet-chromium-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: work) }
    let page = try Command.run(
      "chromium",
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--ignore-certificate-errors", "--user-data-dir=\(work)",
        "--dump-dom", "https://127.0.0.1:\(port)/page.html",
      ], timeout: 90)
    #expect(page.out.contains("barenet fixture paragraph."), "\(page.out.prefix(500))\(page.err.suffix(1500))")
    // curl -k too, and the certificate served is the one whose fingerprint was printed.
    #expect(try Command.run("curl", ["-sk", "https://127.0.0.1:\(port)/hello.txt"]).out == "Hello, world!\n")
    let served = try Command.run(
      "sh",
      [
        "-c",
        "openssl s_client -connect 127.0.0.1:\(port) </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256",
      ])
    let printed = served.out.split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    #expect(printed.map { log.contains($0) } == true, "\(served.out)")
  }

  /// `openssl s_client` with `flags`, sending nothing; its output.
  func sClient(_ port: UInt16, _ flags: [String], input: String = "") throws -> String {
    let r = try Command.run(
      "openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", certificates.caCertificate] + flags,
      input: Data(input.utf8), timeout: 20)
    return r.out + r.err
  }

  @Test func onlyTLS12And13WithALPN() throws {
    let (server, port, _) = try withCA()
    defer { server.stop() }  // keeps it alive to the end
    for old in ["-tls1", "-tls1_1"] {
      let out = try sClient(port, [old])
      #expect(out.contains("alert protocol version") && out.contains("Cipher is (NONE)"), "\(old): \(out)")
    }
    let twelve = try sClient(port, ["-tls1_2", "-alpn", "http/1.1"])
    #expect(twelve.contains("New, TLSv1.2") && twelve.contains("ALPN protocol: http/1.1"), "\(twelve)")
    #expect(twelve.contains("Verify return code: 0 (ok)"))
    let thirteen = try sClient(port, ["-tls1_3", "-alpn", "h2,http/1.1"])
    #expect(thirteen.contains("New, TLSv1.3") && thirteen.contains("ALPN protocol: http/1.1"), "\(thirteen)")
    // Only AEAD ciphers with forward secrecy in TLS 1.2.
    let cbc = try sClient(port, ["-tls1_2", "-cipher", "AES128-SHA:ECDHE-RSA-AES128-SHA256"])
    #expect(!cbc.contains("Cipher is AES128-SHA"), "\(cbc)")
  }

  @Test func sessionsAreResumedWithTickets() throws {
    let (server, port, _) = try withCA()
    defer { server.stop() }  // keeps it alive to the end
    let request = "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    for version in ["-tls1_2", "-tls1_3"] {
      let session = certificates.folder + "/session\(version).pem"
      let first = try sClient(port, [version, "-sess_out", session, "-ign_eof"], input: request)
      #expect(first.contains("New, TLSv1."), "\(first)")
      let second = try sClient(port, [version, "-sess_in", session, "-ign_eof"], input: request)
      #expect(second.contains("Reused, TLSv1."), "\(version): \(second)")
      #expect(second.contains("Hello, world!"))
    }
  }

  @Test func sighupLoadsANewCertificateAndOpenConnectionsFinish() throws {
    let first = try certificates.server("first")
    let second = try certificates.server("second")
    let live = (certificate: certificates.folder + "/live.pem", key: certificates.folder + "/live.key")
    try FileManager.default.copyItem(atPath: first.certificate, toPath: live.certificate)
    try FileManager.default.copyItem(atPath: first.key, toPath: live.key)
    let (server, port) = try start(["--tls-cert", live.certificate, "--tls-key", live.key])
    defer { server.stop() }
    // A keep-alive connection opened under the first certificate, used before and after.
    let script = """
      import ssl, http.client, sys, os, signal, time, subprocess
      ca, port, pid, cert, key, newcert, newkey = sys.argv[1:8]
      context = ssl.create_default_context(cafile=ca)
      old = http.client.HTTPSConnection("localhost", int(port), context=context)
      old.request("GET", "/hello.txt"); before = old.getresponse().read()
      os.replace(newcert, cert); os.replace(newkey, key)
      os.kill(int(pid), signal.SIGHUP); time.sleep(0.5)
      old.request("GET", "/hello.txt"); after = old.getresponse().read()
      pem = ssl.get_server_certificate(("127.0.0.1", int(port)))
      fresh = subprocess.run(["openssl", "x509", "-noout", "-subject"], input=pem.encode(), capture_output=True).stdout
      print(before == after == b"Hello, world!\\n", fresh.decode().strip())
      """
    let r = try Command.run(
      "/usr/bin/python3",
      [
        "-c", script, certificates.caCertificate, "\(port)", "\(server.pid)", live.certificate, live.key,
        second.certificate, second.key,
      ])
    #expect(r.out.contains("True"), "\(r.out)\(r.err)")
    #expect(r.out.contains("CN = second"), "\(r.out)")
    #expect(server.waitForLog(containing: "reloaded the TLS certificate").contains("reloaded"))
    #expect(server.process.isRunning)
  }

  @Test func hstsOnHTTPSAndARedirectFromHTTP() throws {
    let httpPort = try freeLoopbackPort()
    let httpsPort = try freeLoopbackPort()
    let (certificate, key) = try certificates.server()
    let server = try BarenetProcess(
      [
        "serve", site, "--http-port", "\(httpPort)", "--https-port", "\(httpsPort)", "--ftp-port", "0", "--quiet",
        "--tls-cert", certificate, "--tls-key", key, "--hsts", "--redirect-https",
      ], port: httpsPort)
    defer { server.stop() }
    let secure = try Command.run(
      "curl",
      ["-sS", "-D", "-", "-o", "/dev/null", "--cacert", certificates.caCertificate, "https://localhost:\(httpsPort)/"])
    #expect(secure.out.contains("Strict-Transport-Security: max-age=31536000"), "\(secure.out)")
    let plain = try Command.run(
      "curl", ["-sS", "-D", "-", "-o", "/dev/null", "http://localhost:\(httpPort)/hello.txt?x=1"])
    #expect(plain.out.hasPrefix("HTTP/1.1 308 Permanent Redirect"), "\(plain.out)")
    #expect(plain.out.contains("Location: https://localhost:\(httpsPort)/hello.txt?x=1"))
    #expect(!plain.out.contains("Strict-Transport-Security"))
    let followed = try Command.run(
      "curl", ["-sSL", "--cacert", certificates.caCertificate, "http://localhost:\(httpPort)/hello.txt"])
    #expect(followed.out == "Hello, world!\n")
  }
}
