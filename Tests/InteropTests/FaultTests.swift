import Foundation
import TestSupport
import Testing
import Transport

/// Faults around the server: clients that reset, files that change while sent, disks that fill
/// up or turn read-only, SIGTERM under load. Nothing may crash, hang, leak or be half-written.
@Suite struct FaultTests {
  /// Closes with a reset (SO_LINGER 0) instead of a FIN, as a client killed mid-transfer does.
  func reset(_ c: RawClient) {
    var option = linger(l_onoff: 1, l_linger: 0)
    setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    c.close()
  }

  func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  @Test func fileShrinkingWhileSentEndsTheResponseShortNeverWrong() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    // Larger than the socket buffers can hold, so most of it is still unsent when it shrinks.
    let pattern = Fixture.bigPattern(32 * 1024 * 1024)
    try writeFile(root + "/shrinks.bin", pattern)
    let server = try TestServer(root: root)
    defer { server.stop() }
    let c = try RawClient(server.address)
    try c.send("GET /shrinks.bin HTTP/1.1\r\nHost: t\r\n\r\n")
    usleep(300_000)
    truncate(root + "/shrinks.bin", 1024 * 1024)
    var received: [UInt8] = []
    do { received = try c.receiveAll() } catch {}  // EOF or reset: both end it
    let head = received.firstRange(of: Array("\r\n\r\n".utf8))!
    let body = Array(received[head.upperBound...])
    #expect(String(decoding: received[..<head.lowerBound], as: UTF8.self).contains("Content-Length: 33554432"))
    // Cut short, so every client can tell the body is incomplete (curl: "transfer closed with
    // bytes remaining"). What was already queued may include bytes past the new end, which the
    // kernel reads as the file is now; the part the file still holds is the file's own.
    #expect(body.count < pattern.count)
    let kept = min(body.count, 1024 * 1024)
    let firstWrong = zip(body.prefix(kept), pattern).enumerated().first { $0.element.0 != $0.element.1 }?.offset
    #expect(firstWrong == nil, "byte \(firstWrong ?? -1) of the kept part differs")
  }

  @Test func fileGrowingWhileSentKeepsItsContentLength() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let pattern = Fixture.bigPattern(4 * 1024 * 1024)
    try writeFile(root + "/grows.bin", pattern)
    let server = try TestServer(root: root)
    defer { server.stop() }
    let c = try RawClient(server.address)
    try c.send("GET /grows.bin HTTP/1.1\r\nHost: t\r\n\r\n")
    // Read the head (its Content-Length is now promised), then grow the file, then the body.
    let length = try c.readContentLength()
    #expect(length == pattern.count)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: root + "/grows.bin"))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(repeating: 0x21, count: 1024 * 1024))
    try handle.close()
    let body = try c.receive(exactly: length)
    #expect(body.elementsEqual(pattern))
    // The connection is still in step: the next response is the next response.
    try c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    #expect(try c.readResponse().text == "Hello, world!\n")
  }

  @Test func fileDeletedWhileSentIsStillSentWhole() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let pattern = Fixture.bigPattern(24 * 1024 * 1024)
    try writeFile(root + "/goes.bin", pattern)
    let server = try TestServer(root: root)
    defer { server.stop() }
    let c = try RawClient(server.address)
    try c.send("GET /goes.bin HTTP/1.1\r\nHost: t\r\n\r\n")
    _ = try c.readLine()  // the response has started
    unlink(root + "/goes.bin")
    // The open descriptor keeps the data: the promised body arrives whole, and the next request
    // on the connection sees the file gone.
    let length = try c.readContentLength()
    #expect(try c.receive(exactly: length).elementsEqual(pattern))
    try c.send("GET /goes.bin HTTP/1.1\r\nHost: t\r\n\r\n")
    #expect(try c.readResponse().status == 404)
  }

  @Test func resetStormsLeakNoDescriptorsAndNoUploadDebris() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let users = root + "/../barenet-users-\(UUID().uuidString)"
    defer { Fixture.remove(users) }
    try writeFile(users, Array(FTPTestServer.users.text.utf8))
    let (httpPort, ftpPort) = (try freeLoopbackPort(), try freeLoopbackPort())
    let server = try BarenetProcess(
      [
        "serve", root, "--http-port", "\(httpPort)", "--ftp-port", "\(ftpPort)", "--users", users, "--quiet",
        "--user", "root", "--max-sessions-per-client", "0",
      ], port: ftpPort)
    let http = try SocketAddress(host: "127.0.0.1", port: httpPort)
    let ftp = try SocketAddress(host: "127.0.0.1", port: ftpPort)
    // Warm up once (per-file caches, the first log buffers), then count.
    let warm = try RawClient(http)
    try warm.send("GET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    _ = try warm.receiveAll()
    let baseline = server.openDescriptors
    for round in 0..<40 {
      // HTTP: a big response cut off by a reset after its first bytes.
      let h = try RawClient(http)
      try h.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
      _ = try h.readLine()
      reset(h)
      // FTP download: data and control both reset mid-transfer.
      let d = try RawClient(ftp)
      try d.ftpLogin()
      _ = try d.ftp("TYPE I")
      let data = try d.ftpPassive()
      try d.send("RETR big.bin\r\n")
      _ = try data.readLine()
      reset(data)
      reset(d)
      // FTP upload: half a file, then a reset.
      let u = try RawClient(ftp)
      try u.ftpLogin("alice", "wonderland")
      _ = try u.ftp("TYPE I")
      let upload = try u.ftpPassive()
      #expect(try u.ftp("STOR partial-\(round % 4).bin").hasPrefix("150"))
      try upload.send(Fixture.bigPattern(256 * 1024))
      reset(upload)
      if round % 2 == 0 { reset(u) } else { _ = try u.ftpReply() }
    }
    let after = server.waitForDescriptors(atMost: baseline)
    #expect(after <= baseline, "descriptors: \(baseline) before, \(after) after")
    let names = try FileManager.default.contentsOfDirectory(atPath: root)
    #expect(!names.contains { $0.hasPrefix(".barenet-upload") || $0.hasPrefix("partial-") }, "\(names)")
    #expect(server.terminate() == 0)
  }

  @Test func sigtermDuringLoadFinishesWhatHasStarted() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let pattern = Fixture.bigPattern(24 * 1024 * 1024)
    try writeFile(root + "/large.bin", pattern)
    let users = root + "/../barenet-users-\(UUID().uuidString)"
    defer { Fixture.remove(users) }
    try writeFile(users, Array(FTPTestServer.users.text.utf8))
    let (httpPort, ftpPort) = (try freeLoopbackPort(), try freeLoopbackPort())
    let server = try BarenetProcess(
      [
        "serve", root, "--http-port", "\(httpPort)", "--ftp-port", "\(ftpPort)", "--users", users, "--quiet",
        "--user", "root",
      ], port: ftpPort)
    let work = try Fixture.scratch("sigterm")
    defer { Fixture.remove(work) }
    try writeFile(work + "/upload.bin", pattern)
    // A rate-limited download and upload, each about two seconds long, under way at SIGTERM.
    func curl(_ arguments: [String]) throws -> Process {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: try Command.which("curl"))
      p.arguments = ["-sS", "--max-time", "30", "--limit-rate", "12M"] + arguments
      p.standardOutput = FileHandle.nullDevice
      p.standardError = FileHandle.nullDevice
      try p.run()
      return p
    }
    let download = try curl(["-o", work + "/download.bin", "http://127.0.0.1:\(httpPort)/large.bin"])
    let upload = try curl([
      "-T", work + "/upload.bin", "ftp://alice:wonderland@127.0.0.1:\(ftpPort)/uploaded.bin",
    ])
    usleep(700_000)
    #expect(server.terminate() == 0)
    download.waitUntilExit()
    upload.waitUntilExit()
    #expect(download.terminationStatus == 0)
    let downloaded = try Data(contentsOf: URL(fileURLWithPath: work + "/download.bin"))
    #expect(downloaded.count == pattern.count && downloaded.elementsEqual(pattern))
    #expect(upload.terminationStatus == 0)
    let stored = try Data(contentsOf: URL(fileURLWithPath: root + "/uploaded.bin"))
    #expect(stored.count == pattern.count && stored.elementsEqual(pattern))
    let names = try FileManager.default.contentsOfDirectory(atPath: root)
    #expect(!names.contains { $0.hasPrefix(".barenet-upload") }, "\(names)")
  }
}

/// FTP uploads onto a small tmpfs that fills up, then onto one mounted read-only. Mounting needs
/// root, which the test command has (it installs packages as root too).
@Suite(.serialized) final class FullDiskTests {
  let mountPoint: String
  let server: FTPTestServer

  init() throws {
    mountPoint = try Fixture.scratch("tmpfs")
    let mounted = try Command.run("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint])
    guard mounted.status == 0 else {
      throw RawClient.Failure(description: "cannot mount a tmpfs (run the tests as root): \(mounted.err)")
    }
    try Data("the old contents\n".utf8).write(to: URL(fileURLWithPath: mountPoint + "/keep.txt"))
    server = try FTPTestServer(root: mountPoint)
  }

  deinit {
    server.stop()
    _ = try? Command.run("umount", [mountPoint])
    try? FileManager.default.removeItem(atPath: mountPoint)
  }

  func store(_ name: String, _ bytes: [UInt8]) throws -> String {
    let c = try RawClient(server.address)
    try c.ftpLogin("alice", "wonderland")
    _ = try c.ftp("TYPE I")
    let data = try c.ftpPassive()
    let opening = try c.ftp("STOR \(name)")
    guard opening.hasPrefix("150") else { return opening }
    try? data.send(bytes)
    data.shutdownWrite()
    _ = try? data.receiveAll()
    return try c.ftpReply()
  }

  func debris() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: mountPoint).filter { $0 != "keep.txt" }
  }

  @Test func uploadsOntoAFullDiskGet452AndLeaveTheOldFile() throws {
    let reply = try store("keep.txt", Fixture.bigPattern(3 * 1024 * 1024))
    #expect(reply.hasPrefix("452"), "\(reply)")
    #expect(try String(contentsOfFile: mountPoint + "/keep.txt", encoding: .utf8) == "the old contents\n")
    #expect(try debris().isEmpty)
    // Once there is room again, a small upload works.
    #expect(try store("small.txt", Array("fits\n".utf8)).hasPrefix("226"))
    try FileManager.default.removeItem(atPath: mountPoint + "/small.txt")
  }

  @Test func uploadsOntoAReadOnlyDiskGet553() throws {
    #expect(try Command.run("mount", ["-o", "remount,ro", mountPoint]).status == 0)
    defer { _ = try? Command.run("mount", ["-o", "remount,rw", mountPoint]) }
    let reply = try store("keep.txt", Array("new contents\n".utf8))
    #expect(reply.hasPrefix("553"), "\(reply)")
    #expect(try String(contentsOfFile: mountPoint + "/keep.txt", encoding: .utf8) == "the old contents\n")
    #expect(try debris().isEmpty)
  }
}
