import Foundation
import TestSupport
import Testing

/// DNS over TLS (RFC 7858): dns-serve --tls-port asked by kdig, dig and barenet, and barenet
/// asking NSD's DoT listener.
@Suite struct DNSOverTLSTests {
  let certificates: TestCertificates
  let zones = ["fixtures/zones/rich.test.zone", "fixtures/zones/other.test.zone"]

  init() throws {
    certificates = try TestCertificates()
  }

  /// dns-serve with a DoT listener; returns it and the TLS port.
  func dnsServe() throws -> (BarenetProcess, UInt16) {
    let (certificate, key) = try certificates.server()
    let port = try freeLoopbackPort()
    let tlsPort = try freeLoopbackPort()
    let files = zones.map { Fixture.packageRoot.appendingPathComponent($0).path }
    let server = try BarenetProcess(
      ["dns-serve"] + files + [
        "--port", "\(port)", "--tls-port", "\(tlsPort)", "--tls-cert", certificate, "--tls-key", key, "--quiet",
      ], port: tlsPort)
    return (server, tlsPort)
  }

  @Test func kdigDigAndBarenetAskDnsServeOverTLS() throws {
    let (server, port) = try dnsServe()
    defer { server.stop() }
    let at = ["@127.0.0.1", "-p", "\(port)"]
    let kdig = try Command.run(
      "kdig", at + ["+tls-ca=\(certificates.caCertificate)", "+tls-hostname=localhost", "+short", "www.other.test"])
    #expect(kdig.out == "192.0.2.210\n", "\(kdig.out)\(kdig.err)")
    let dig = try Command.run(
      "dig",
      at + ["+tls", "+tls-ca=\(certificates.caCertificate)", "+tls-hostname=localhost", "+short", "www.other.test"])
    #expect(dig.out == "192.0.2.210\n", "\(dig.out)\(dig.err)")
    let ours = try barenetDNS(
      at + ["+tls", "+tls-ca=\(certificates.caCertificate)", "+tls-hostname=localhost", "www.other.test"])
    #expect(
      ours.out.contains("www.other.test.\t\t600\tIN\tA\t192.0.2.210") && ours.out.contains("(TLS)"),
      "\(ours.out)\(ours.err)")
    // +layers puts the TLS record between the message and TCP.
    let layers = try barenetDNS(at + ["+tls", "+layers", "+short", "www.other.test"])
    #expect(
      layers.out.contains(";;   security     TLSv1.3") && layers.out.contains("payload = TLS records")
        || layers.out.contains("(a TLS record)"), "\(layers.out)")
  }

  @Test func aWrongNameOrAnUntrustedCertificateIsRefused() throws {
    let (server, port) = try dnsServe()
    defer { server.stop() }
    let at = ["@127.0.0.1", "-p", "\(port)", "+short"]
    let wrong = try barenetDNS(
      at + ["+tls-ca=\(certificates.caCertificate)", "+tls-hostname=wrong.example", "www.other.test"])
    #expect(wrong.status == 9 && wrong.out.isEmpty)
    #expect(wrong.err.contains("certificate verify failed"), "\(wrong.err)")
    let untrusted = try barenetDNS(at + ["+tls-ca", "www.other.test"])  // the system's CAs do not know ours
    #expect(untrusted.status == 9 && untrusted.err.contains("certificate verify failed"), "\(untrusted.err)")
  }

  @Test func twentyPipelinedQueriesOnOneConnection() throws {
    let (server, port) = try dnsServe()
    defer { server.stop() }
    let script = """
      import dns.message, socket, ssl, struct, sys
      port, ca = int(sys.argv[1]), sys.argv[2]
      s = ssl.create_default_context(cafile=ca).wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
      names = [f"q{i}.wild.rich.test" for i in range(20)]
      wire = b""
      for i, name in enumerate(names):
          q = dns.message.make_query(name, "A"); q.id = i; w = q.to_wire(); wire += struct.pack(">H", len(w)) + w
      s.sendall(wire)  # all twenty in one write
      def exactly(n):
          b = b""
          while len(b) < n:
              chunk = s.recv(n - len(b))
              if not chunk: raise EOFError
              b += chunk
          return b
      answers = {}
      for _ in names:
          (n,) = struct.unpack(">H", exactly(2)); r = dns.message.from_wire(exactly(n)); answers[r.id] = r
      print(len(answers), all(answers[i].answer[0].name.to_text() == names[i] + "." for i in range(20)))
      """
    let r = try Command.run("/usr/bin/python3", ["-c", script, "\(port)", certificates.caCertificate])
    #expect(r.out == "20 True\n", "\(r.out)\(r.err)")
    // And barenet's own -f batch: one connection, pipelined.
    let names = certificates.folder + "/names.txt"
    try (0..<20).map { "n\($0).wild.rich.test A" }.joined(separator: "\n").write(
      toFile: names, atomically: true, encoding: .utf8)
    let batch = try barenetDNS(
      [
        "@127.0.0.1", "-p", "\(port)", "+tls-ca=\(certificates.caCertificate)", "+tls-hostname=localhost", "+short",
        "-f", names,
      ])
    #expect(batch.out == String(repeating: "192.0.2.80\n", count: 20), "\(batch.out)\(batch.err)")
  }

  @Test func barenetAsksNSDOverTLS() throws {
    let (certificate, key) = try certificates.server("nsd")
    chmod(key, 0o644)  // nsd reads it after dropping to its own user
    let tlsPort = try freeLoopbackPort()
    let nsd = try NSDServer(
      zones: [NSDServer.ZoneConfig(name: "other.test", files: ["fixtures/zones/other.test.zone"])],
      serverOptions: [
        "ip-address: 127.0.0.1@\(tlsPort)", "tls-port: \(tlsPort)", "tls-service-key: \"\(key)\"",
        "tls-service-pem: \"\(certificate)\"",
      ])
    defer { nsd.stop() }
    let r = try barenetDNS(
      [
        "@127.0.0.1", "-p", "\(tlsPort)", "+tls-ca=\(certificates.caCertificate)", "+tls-hostname=localhost", "+short",
        "www.other.test",
      ])
    #expect(r.out == "192.0.2.210\n", "\(r.out)\(r.err)")
  }
}
