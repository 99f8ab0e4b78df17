import Foundation
import TestSupport
import Testing

/// The example programs in Examples/, each pair run against each other over loopback.
@Suite struct ExamplesTests {
  func binary(_ name: String) throws -> String {
    let path = Command.built(name)
    guard FileManager.default.isExecutableFile(atPath: path) else {
      throw Command.NotFound(program: path + " (run swift build first)")
    }
    return path
  }

  /// Starts a server-side example and reads the port it prints.
  func start(_ name: String, _ arguments: [String]) throws -> (Process, Pipe, UInt16) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try binary(name))
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
      let chunk = out.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      line += chunk
    }
    let text = String(decoding: line, as: UTF8.self)
    guard let port = UInt16(text.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
    else {
      kill(process.processIdentifier, SIGKILL)
      throw Command.NotFound(program: "\(name) printing its port (got '\(text)')")
    }
    return (process, out, port)
  }

  @Test func tlsClientFetchesOverHTTPSAndChecksTheName() throws {
    let certificates = try TestCertificates()
    let (certificate, key) = try certificates.server()
    let port = try freeLoopbackPort()
    let site = Fixture.packageRoot.appendingPathComponent("fixtures/site").path
    let server = try BarenetProcess(
      ["http", site, "--port", "\(port)", "--quiet", "--tls-cert", certificate, "--tls-key", key], port: port)
    defer { server.stop() }
    let client = try binary("tls-client")
    let r = try Command.run(client, ["127.0.0.1", "\(port)", "localhost", certificates.caCertificate, "/hello.txt"])
    #expect(
      r.out.hasPrefix("; TLSv1.3") && r.out.contains("HTTP/1.1 200 OK") && r.out.contains("Hello, world!"), "\(r.out)")
    let wrongName = try Command.run(client, ["127.0.0.1", "\(port)", "other.example", certificates.caCertificate])
    #expect(wrongName.status != 0 && wrongName.out.contains("certificate verify failed"), "\(wrongName.out)")
  }

  @Test func tcpEchoServerAndClient() throws {
    let (server, _, port) = try start("tcp-server", ["--port", "0"])
    // SIGKILL: children of the test runner inherit its blocked SIGTERM, and the echo server
    // serves forever by design.
    defer { kill(server.processIdentifier, SIGKILL) }
    for message in ["first client", "second client: the server waits for the next one"] {
      let r = try Command.run(try binary("tcp-client"), ["127.0.0.1", "\(port)", message])
      #expect(r.status == 0)
      #expect(r.out == message + "\n")
    }
  }

  @Test func udpReceiverAndSender() throws {
    let (receiver, out, port) = try start("udp-receiver", ["--port", "0", "--count", "2"])
    for message in ["one datagram", "another"] {
      let r = try Command.run(try binary("udp-sender"), ["127.0.0.1", "\(port)", message])
      #expect(r.status == 0)
      #expect(r.out == "sent \(message.utf8.count) bytes\n")
    }
    receiver.waitUntilExit()
    let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(printed.contains(": one datagram\n"))
    #expect(printed.contains(": another\n"))
    #expect(printed.contains("from 127.0.0.1:"))
  }

  @Test func calmCloseClientStillReadsAfterShutdown() throws {
    let (server, _, port) = try start("calm-close", ["server", "--port", "0"])
    let r = try Command.run(try binary("calm-close"), ["client", "127.0.0.1", "\(port)"])
    server.waitUntilExit()
    #expect(r.status == 0)
    #expect(r.out == "server got 5000 bytes after your shutdown\n")
    #expect(server.terminationStatus == 0)
  }
}
