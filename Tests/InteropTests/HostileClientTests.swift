import Foundation
import HTTP
import TestSupport
import Testing
import Transport

/// Clients that misbehave on purpose: too many connections from one address, slowloris, slow
/// readers, and running the server out of descriptors. Normal clients must keep being served.
@Suite struct HostileClientTests {
  @Test func connectionsPerClientAreCappedWith503() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let server = try TestServer(root: root, threads: 2) { $0.perClient = PeerLimit(perAddress: 2) }
    defer { server.stop() }
    let a = try RawClient(server.address)
    let b = try RawClient(server.address)
    for c in [a, b] {
      try c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
      #expect(try c.readResponse().status == 200)
    }
    let third = try RawClient(server.address)
    try third.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    let refused = try third.readResponse()
    #expect(refused.status == 503)
    #expect(refused.header("Retry-After") == "5")
    #expect(third.isClosedByPeer())
    // Another address is not affected, and a freed slot is usable again.
    let other = try RawClient(server.address, from: "127.0.0.2")
    try other.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    #expect(try other.readResponse().status == 200)
    a.close()
    usleep(200_000)
    let fourth = try RawClient(server.address)
    try fourth.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    #expect(try fourth.readResponse().status == 200)
  }

  @Test func ftpSessionsPerClientAreCappedWith421() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let server = try FTPTestServer(root: root) { $0.perClient = PeerLimit(perAddress: 2) }
    defer { server.stop() }
    let a = try RawClient(server.address)
    let b = try RawClient(server.address)
    #expect(try a.ftpReply().hasPrefix("220"))
    #expect(try b.ftpReply().hasPrefix("220"))
    let third = try RawClient(server.address)
    #expect(try third.ftpReply().hasPrefix("421"))
    #expect(third.isClosedByPeer())
    let other = try RawClient(server.address, from: "127.0.0.2")
    #expect(try other.ftpReply().hasPrefix("220"))
  }

  @Test func slowlorisConnectionsDoNotStarveOthersAndAreTimedOut() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let server = try TestServer(root: root) { $0.timeouts.header = 1500 }
    defer { server.stop() }
    // 300 connections that each dribble a request head a few bytes at a time and never end it.
    var slow: [RawClient] = []
    for _ in 0..<300 {
      let c = try RawClient(server.address, timeout: 10)
      try c.send("GET / HTTP/1.1\r\nX-")
      slow.append(c)
    }
    for round in 0..<3 {
      for c in slow { try? c.send("a") }
      // A well-behaved client is answered while they dribble.
      let normal = try RawClient(server.address, timeout: 5)
      try normal.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
      #expect(try normal.readResponse().text == "Hello, world!\n", "round \(round)")
      usleep(200_000)
    }
    // The header timer ends every one of them with 408 and a close.
    for c in slow {
      #expect(try c.readResponse().status == 408)
      #expect(c.isClosedByPeer())
    }
  }

  @Test func slowReaderIsCutByTheWriteStallTimer() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let server = try TestServer(root: root) { $0.timeouts.writeStall = 1000 }
    defer { server.stop() }
    // Larger than every socket buffer on the way together, so the server's writes must stall.
    let size = 256 * 1024 * 1024
    let file = open(root + "/huge.bin", O_CREAT | O_WRONLY, 0o644)
    ftruncate(file, off_t(size))
    close(file)
    let reader = try RawClient(server.address, timeout: 10)
    try reader.send("GET /huge.bin HTTP/1.1\r\nHost: t\r\n\r\n")
    sleep(3)  // read nothing while the stall timer runs out
    var received = 0
    do {
      received = try reader.receiveAll().count
    } catch {
      // A reset is an acceptable end too: what matters is that the server let go.
    }
    #expect(received < size)
    let normal = try RawClient(server.address, timeout: 5)
    try normal.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    #expect(try normal.readResponse().status == 200)
  }

  @Test func runningOutOfDescriptorsNeitherSpinsNorStops() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let port = try freeLoopbackPort()
    let server = try BarenetProcess(
      ["http", root, "--port", "\(port)", "--threads", "1", "--quiet"], port: port,
      wrapper: ["prlimit", "--nofile=48:48", "--"])
    // Far more connections than descriptors: the kernel queues them; barenet accepts what it can.
    var clients: [RawClient] = []
    for _ in 0..<80 {
      let c = try RawClient(try SocketAddress(host: "127.0.0.1", port: port), timeout: 10)
      try c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
      clients.append(c)
    }
    usleep(300_000)
    let before = server.cpuTicks
    sleep(2)
    let spent = server.cpuTicks - before
    // A listener that spun on EMFILE would burn both seconds; pausing costs next to nothing.
    #expect(spent < 40, "\(spent) ticks of CPU in 2 s while out of descriptors")
    #expect(server.log.contains("Too many open files"), "\(server.log)")
    // Free descriptors: every queued client is then served, and so is a new one.
    for c in clients.prefix(40) { c.close() }
    // Each waiting client gets its file, or a 503 if a descriptor for the file itself was
    // short at that moment: a temporary failure, never a wrong answer such as 404.
    var served = 0
    for c in clients.dropFirst(40) {
      let response = try c.readResponse()
      #expect(response.status == 200 || response.status == 503, "\(response.status)")
      if response.status == 200 { served += 1 }
      c.close()
    }
    #expect(served >= 20)
    let late = try RawClient(try SocketAddress(host: "127.0.0.1", port: port), timeout: 5)
    try late.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    #expect(try late.readResponse().status == 200)
    #expect(server.process.isRunning)
  }
}
