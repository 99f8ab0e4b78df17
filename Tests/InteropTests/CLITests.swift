import Foundation
import TestSupport
import Testing
import Transport

/// The `barenet` executable: start-up errors and a real run.
@Suite struct CLITests {
  func barenet(_ arguments: [String], timeout: TimeInterval = 20) throws -> Command.Result {
    guard FileManager.default.isExecutableFile(atPath: Command.barenet) else {
      throw Command.NotFound(program: Command.barenet + " (run swift build first)")
    }
    return try Command.run(Command.barenet, arguments, timeout: timeout)
  }

  @Test func missingFolderIsAClearError() throws {
    let r = try barenet(["http", "/no/such/folder", "--port", "0"])
    #expect(r.status != 0)
    #expect(r.err.contains("no such folder"))
  }

  @Test func fileInsteadOfFolderIsAClearError() throws {
    let r = try barenet(["http", "/etc/hostname", "--port", "0"])
    #expect(r.status != 0)
    #expect(r.err.contains("not a folder"))
  }

  @Test func badAddressIsAClearError() throws {
    let r = try barenet(["http", "--bind", "not-an-address", "--port", "0", Fixture.packageRoot.path + "/www"])
    #expect(r.status != 0)
    #expect(r.err.contains("not a numeric IPv4 or IPv6 address"))
  }

  @Test func portInUseIsAClearError() throws {
    let holder = try TCPListener(address: try SocketAddress(host: "127.0.0.1", port: 0))
    defer { holder.close() }
    let r = try barenet(["http", "--port", "\(holder.address.port)", Fixture.packageRoot.path + "/www"])
    #expect(r.status != 0)
    #expect(r.err.contains("already in use"))
  }

  @Test func privilegedPortWithoutRootIsAClearError() throws {
    // As root the bind would succeed, so drop to nobody with setpriv (util-linux) for this run.
    // nobody may not be able to reach the build folder (a clone under /root, say), so it runs a
    // copy of the binary from the temporary folder.
    let copy = NSTemporaryDirectory() + "barenet-\(UUID().uuidString)"
    try FileManager.default.copyItem(atPath: Command.barenet, toPath: copy)
    defer { try? FileManager.default.removeItem(atPath: copy) }
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
    let r = try Command.run(
      "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", copy, "http", "--port", "81", "/tmp"])
    #expect(r.status != 0)
    #expect(r.err.contains("ports below 1024 need root"), "\(r.err)")
  }

  @Test func outOfRangePortIsAClearError() throws {
    let r = try barenet(["http", "--port", "70000", Fixture.packageRoot.path + "/www"])
    #expect(r.status != 0)
    #expect(r.err.contains("not between 0 and 65535"))
  }

  @Test func servesAndStopsCleanlyOnSIGTERM() throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Command.barenet)
    // Find a free port, then let barenet take it.
    let probe = try TCPListener(address: try SocketAddress(host: "127.0.0.1", port: 0))
    let port = probe.address.port
    probe.close()
    process.arguments = ["http", Fixture.packageRoot.path + "/www", "--port", "\(port)"]
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    var fetched: Command.Result?
    for _ in 0..<100 {
      fetched = try Command.run("curl", ["-sS", "--max-time", "5", "http://127.0.0.1:\(port)/"])
      if fetched?.status == 0 { break }
      usleep(50_000)
    }
    #expect(fetched?.out.contains("barenet") == true)
    process.terminate()  // SIGTERM
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let log = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    // One Combined Log Format line for the request.
    #expect(log.contains("127.0.0.1 - - ["))
    #expect(log.contains("\"GET / HTTP/1.1\" 200 "))
    #expect(log.contains("\"curl/"))
  }

  @Test func startSaysWhatIsExposed() throws {
    let port = try freeLoopbackPort()
    let quiet = try BarenetProcess(["http", Fixture.packageRoot.path + "/www", "--port", "\(port)"], port: port)
    let banner = quiet.waitForLog(containing: "exposed:")
    #expect(banner.contains("http://127.0.0.1:\(port)/"))
    #expect(
      banner.contains(
        "exposed: anyone who can connect may read; folder listings on; dotfiles hidden; uploads and WebDAV writes are off."
      )
    )
    quiet.terminate()
    let open = try BarenetProcess(
      ["http", Fixture.packageRoot.path + "/www", "--port", "\(port)", "--upload", "--overwrite", "--dotfiles"],
      port: port)
    let exposed = open.waitForLog(containing: "exposed:")
    #expect(
      exposed.contains(
        "dotfiles SERVED; uploads and WebDAV writes are ON (form, PUT, DELETE, MOVE, COPY, replacing files, by anyone)."
      ), "\(exposed)")
  }

  @Test func qrNeedsATerminalAndAReachableAddress() throws {
    let port = try freeLoopbackPort()
    let piped = try BarenetProcess(
      ["http", Fixture.packageRoot.path + "/www", "--port", "\(port)", "--qr"], port: port)
    #expect(piped.waitForLog(containing: "--qr").contains("not a terminal, no QR code drawn"))
    piped.terminate()
    // Under a pseudo-terminal (util-linux's script), with only loopback to offer.
    let command = "\(Command.barenet) http \(Fixture.packageRoot.path)/www --port \(port) --qr & sleep 1; kill $!"
    let tty = try Command.run("script", ["-qec", command, "/dev/null"], timeout: 20)
    #expect(tty.out.contains("only loopback is served"), "\(tty.out)")
  }

  @Test func serveRunsHTTPAndFTPOverTheSameFolder() throws {
    func freePort() throws -> UInt16 {
      let probe = try TCPListener(address: try SocketAddress(host: "127.0.0.1", port: 0))
      defer { probe.close() }
      return probe.address.port
    }
    let (httpPort, ftpPort) = (try freePort(), try freePort())
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Command.barenet)
    process.arguments = [
      "serve", Fixture.packageRoot.path + "/www", "--http-port", "\(httpPort)", "--ftp-port", "\(ftpPort)", "--quiet",
    ]
    process.standardOutput = Pipe()
    process.standardError = Pipe()
    try process.run()
    defer {
      process.terminate()
      process.waitUntilExit()
    }
    var http: Command.Result?
    for _ in 0..<100 {
      http = try Command.run("curl", ["-sS", "--max-time", "5", "http://127.0.0.1:\(httpPort)/style.css"])
      if http?.status == 0 { break }
      usleep(50_000)
    }
    let ftp = try Command.run("curl", ["-sS", "--max-time", "5", "ftp://127.0.0.1:\(ftpPort)/style.css"])
    #expect(http?.status == 0 && ftp.status == 0)
    #expect(http?.out == ftp.out)
    #expect(ftp.out.contains("font"))
  }

  @Test func badUsersFileNamesTheLine() throws {
    let path = NSTemporaryDirectory() + "barenet-users-\(UUID().uuidString)"
    try "alice:$y$x:write\nbob:plain:read\n".write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let r = try barenet(["ftp", Fixture.packageRoot.path + "/www", "--port", "0", "--users", path])
    #expect(r.status != 0)
    #expect(r.err.contains("\(path):2:"))
  }

  @Test func passwdWritesAHashNeverThePassword() throws {
    let path = NSTemporaryDirectory() + "barenet-users-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let r = try Command.run(
      Command.barenet, ["passwd", "--file", path, "carol", "--write"], input: Data("s3cret!\n".utf8))
    #expect(r.status == 0, "\(r.err)")
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.hasPrefix("carol:$y$"))
    #expect(text.hasSuffix(":write\n"))
    #expect(!text.contains("s3cret"))
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    #expect((attributes[.posixPermissions] as? Int) == 0o600)
    let empty = try Command.run(Command.barenet, ["passwd", "--file", path, "dave"], input: Data())
    #expect(empty.status != 0)
    #expect(empty.err.contains("no password"))
  }

  @Test func traceShowsTransportAndApplicationEvents() throws {
    let probe = try TCPListener(address: try SocketAddress(host: "127.0.0.1", port: 0))
    let port = probe.address.port
    probe.close()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Command.barenet)
    process.arguments = [
      "serve", Fixture.packageRoot.path + "/fixtures/site", "--http-port", "\(port)",
      "--ftp-port", "\(try freeLoopbackPort())", "--trace", "--quiet",
    ]
    let err = Pipe()
    process.standardError = err
    process.standardOutput = Pipe()
    try process.run()
    var fetched = false
    for _ in 0..<100 where !fetched {
      fetched = try Command.run("curl", ["-sS", "--max-time", "5", "http://127.0.0.1:\(port)/hello.txt"]).status == 0
      if !fetched { usleep(50_000) }
    }
    usleep(300_000)
    process.terminate()
    process.waitUntilExit()
    let trace = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    for event in [
      "tcp  accept: 127.0.0.1:", "tcp  recv ", "http \"GET /hello.txt HTTP/1.1\" → 200 OK", "tcp  send ",
      "close after",
    ] {
      #expect(trace.contains(event), "\(event)\n\(trace)")
    }
  }

  @Test func userDropsPrivilegesAfterBinding() throws {
    guard getuid() == 0 else { return }  // only root can drop to another user
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let port = try freeLoopbackPort()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Command.barenet)
    process.arguments = ["http", root, "--port", "\(port)", "--user", "nobody", "--quiet"]
    process.standardError = Pipe()
    try process.run()
    defer {
      process.terminate()
      process.waitUntilExit()
    }
    var served: Command.Result?
    for _ in 0..<100 {
      served = try Command.run("curl", ["-sS", "--max-time", "5", "http://127.0.0.1:\(port)/hello.txt"])
      if served?.status == 0 { break }
      usleep(50_000)
    }
    #expect(served?.out == "Hello, world!\n")
    let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
    let uid = status.split(separator: "\n").first { $0.hasPrefix("Uid:") } ?? ""
    #expect(uid.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().allSatisfy { $0 == "65534" }, "\(uid)")
    let groups = status.split(separator: "\n").first { $0.hasPrefix("Groups:") } ?? ""
    #expect(groups.trimmingCharacters(in: .whitespaces) == "Groups:")
  }

  @Test func writableFTPAsRootNeedsUser() throws {
    guard getuid() == 0 else { return }
    let users = NSTemporaryDirectory() + "barenet-users-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: users) }
    _ = try Command.run(Command.barenet, ["passwd", "--file", users, "w", "--write"], input: Data("pw\n".utf8))
    let r = try barenet(["ftp", Fixture.packageRoot.path + "/www", "--port", "0", "--users", users])
    #expect(r.status != 0)
    #expect(r.err.contains("add --user NAME"))
    let bad = try barenet(["http", "--port", "0", "--user", "no-such-user-here", Fixture.packageRoot.path + "/www"])
    #expect(bad.status != 0)
    #expect(bad.err.contains("no user named"))
  }

  @Test func helpReadsLikeAManPage() throws {
    let r = try barenet(["http", "--help"])
    #expect(r.status == 0)
    #expect(r.out.contains("--no-listing"))
    #expect(r.out.contains("--dotfiles"))
  }
}
