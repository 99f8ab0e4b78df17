import Foundation
import HTTP
import TestSupport
import Testing
import Transport

/// The HTTP server over real loopback sockets, driven by a raw client.
@Suite final class HTTPLoopbackTests {
  let root: String
  let server: TestServer

  init() throws {
    root = try Fixture.site()
    server = try TestServer(root: root, threads: 2)
  }

  deinit {
    server.stop()
    Fixture.remove(root)
  }

  func client() throws -> RawClient { try RawClient(server.address) }

  @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
    let c = try client()
    for _ in 0..<3 {
      try c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
      let r = try c.readResponse()
      #expect(r.status == 200)
      #expect(r.text == "Hello, world!\n")
      #expect(r.header("Connection") == nil)
    }
  }

  @Test func pipelinedResponsesComeBackInOrder() throws {
    let c = try client()
    try c.send(
      "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\nHEAD /page.html HTTP/1.1\r\nHost: t\r\n\r\n"
        + "GET /nope HTTP/1.1\r\nHost: t\r\n\r\nGET /data.json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    #expect(try c.readResponse().text == "Hello, world!\n")
    let head = try c.readResponse(forHead: true)
    #expect(head.status == 200)
    #expect(head.header("Content-Length") == "1394")
    #expect(try c.readResponse().status == 404)
    let last = try c.readResponse()
    #expect(last.text.hasPrefix("{\"ok\": true"))
    #expect(last.header("Connection") == "close")
    #expect(c.isClosedByPeer())
  }

  @Test func headHasTheSameHeadersAsGetAndNoBody() throws {
    let c = try client()
    try c.send("GET /page.html HTTP/1.1\r\nHost: t\r\n\r\n")
    let get = try c.readResponse()
    try c.send("HEAD /page.html HTTP/1.1\r\nHost: t\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    let head = try c.readResponse(forHead: true)
    for name in ["Content-Length", "Content-Type", "ETag", "Last-Modified", "Accept-Ranges", "Vary"] {
      #expect(head.header(name) == get.header(name), "\(name)")
    }
    // The next response starts right after HEAD's head: no body bytes slipped in.
    #expect(try c.readResponse().text == "Hello, world!\n")
  }

  @Test func http10ClosesUnlessKeepAliveIsAsked() throws {
    let a = try client()
    try a.send("GET /hello.txt HTTP/1.0\r\n\r\n")
    let r = try a.readResponse()
    #expect(r.header("Connection") == "close")
    #expect(a.isClosedByPeer())
    let b = try client()
    try b.send("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    #expect(try b.readResponse().header("Connection") == "keep-alive")
    try b.send("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    #expect(try b.readResponse().status == 200)
  }

  @Test func malformedRequestGets400AndClose() throws {
    let c = try client()
    try c.send("GET / HTTP/1.1\r\nHost : t\r\n\r\n")
    let r = try c.readResponse()
    #expect(r.status == 400)
    #expect(r.header("Connection") == "close")
    #expect(c.isClosedByPeer())
  }

  @Test func versionAndMethodErrors() throws {
    let a = try client()
    try a.send("GET / HTTP/2.0\r\nHost: t\r\n\r\n")
    #expect(try a.readResponse().status == 505)
    let b = try client()
    try b.send(
      "BREW /pot HTTP/1.1\r\nHost: t\r\n\r\nPOST /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc")
    #expect(try b.readResponse().status == 501)
    let post = try b.readResponse()
    #expect(post.status == 405)
    #expect(post.header("Allow") == "GET, HEAD, OPTIONS, PROPFIND")
  }

  @Test func expect100ContinueGetsAnInterimResponse() throws {
    // A body the server will read (it is dropped after a 200): 100 first.
    let c = try client()
    try c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
    let interim = try c.readResponse()
    #expect(interim.status == 100)
    #expect(try c.readResponse().text == "Hello, world!\n")
    try c.send("hello")
    try c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    #expect(try c.readResponse().text == "Hello, world!\n")
    // A body the server refuses: no 100, one final answer, and the connection ends (as nginx).
    let refused = try client()
    try refused.send("POST /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
    let answer = try refused.readResponse()
    #expect(answer.status == 405)
    #expect(answer.header("Connection") == "close")
    #expect(throws: (any Error).self) { try refused.readResponse() }
  }

  @Test func chunkedBodiesAreSkippedSoPipeliningStaysInStep() throws {
    let c = try client()
    try c.send(
      "GET /page.html HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nGET \r\n0\r\n\r\n"
        + "GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    #expect(try c.readResponse().status == 200)
    #expect(try c.readResponse().text == "Hello, world!\n")
  }

  @Test func aRefusedBodyGetsOneResponseNeverTwo() throws {
    // The malformed chunk of a refused POST is never read: one 405 that closes, not a 400 after.
    for split in [0, 5, 40] {
      let c = try client()
      let bytes = Array(
        "POST /style.css HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n".utf8)
      let cut = bytes.count - split
      try c.send(String(decoding: bytes[..<cut], as: UTF8.self))
      if split > 0 {
        usleep(50_000)
        try? c.send(String(decoding: bytes[cut...], as: UTF8.self))
      }
      let answer = try c.readResponse()
      #expect(answer.status == 405)
      #expect(answer.header("Connection") == "close")
      #expect(throws: (any Error).self) { try c.readResponse() }
    }
  }

  @Test func largeFileArrivesExactly() throws {
    let c = try client()
    try c.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
    let r = try c.readResponse()
    #expect(r.body == Fixture.bigPattern(3 * 1024 * 1024))
  }

  @Test func traversalOverTheWire() throws {
    for target in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/etc-link/passwd", "/passwd-link", "/.secret"] {
      let c = try client()
      try c.send("GET \(target) HTTP/1.1\r\nHost: t\r\n\r\n")
      let r = try c.readResponse()
      #expect([400, 403, 404].contains(r.status), "\(target)")
      #expect(!r.text.contains("root:"))
    }
  }

  @Test func threeHundredConcurrentConnections() throws {
    let clients = try (0..<300).map { _ in try client() }
    for c in clients { try c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n") }
    for c in clients { #expect(try c.readResponse().text == "Hello, world!\n") }
    for c in clients { try c.send("GET /data.json HTTP/1.1\r\nHost: t\r\n\r\n") }
    for c in clients { #expect(try c.readResponse().status == 200) }
  }

  @Test func clientHalfCloseStillGetsItsResponses() throws {
    let c = try client()
    try c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /data.json HTTP/1.1\r\nHost: t\r\n\r\n")
    c.shutdownWrite()
    #expect(try c.readResponse().text == "Hello, world!\n")
    #expect(try c.readResponse().status == 200)
    #expect(c.isClosedByPeer())
  }
}

/// Timeouts, limits and shutdown, each on a server of its own.
@Suite struct HTTPLifecycleTests {
  @Test func headerTimeoutSends408AndCloses() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let server = try TestServer(root: root) { $0.timeouts.header = 600 }
    defer { server.stop() }
    let c = try RawClient(server.address)
    try c.send("GET /hello.txt HTTP/1.1\r\nHo")
    let r = try c.readResponse()
    #expect(r.status == 408)
    #expect(c.isClosedByPeer())
  }

  @Test func idleKeepAliveConnectionIsClosed() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let server = try TestServer(root: root) { $0.timeouts.idle = 600 }
    defer { server.stop() }
    let c = try RawClient(server.address)
    try c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    _ = try c.readResponse()
    let start = Date()
    #expect(c.isClosedByPeer())
    #expect(Date().timeIntervalSince(start) < 5)
  }

  @Test func gracefulStopFinishesResponsesInFlight() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let server = try TestServer(root: root)
    let busy = try RawClient(server.address)
    let idle = try RawClient(server.address)
    try idle.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    _ = try idle.readResponse()
    // Ask for 3 MiB and read none of it yet: most of it is still queued when the stop begins.
    try busy.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
    usleep(100_000)
    let stopper = Thread { server.stop() }
    stopper.start()
    usleep(100_000)
    let r = try busy.readResponse()
    #expect(r.body == Fixture.bigPattern(3 * 1024 * 1024))
    #expect(r.header("Connection") == nil || r.header("Connection") == "close")
    #expect(busy.isClosedByPeer())
    #expect(idle.isClosedByPeer())
    // The listener is closed: new connections are refused.
    #expect(throws: (any Error).self) {
      let late = try RawClient(server.address)
      try late.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
      _ = try late.readResponse()
    }
  }

  @Test func ipv6LoopbackWorks() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let server = try TestServer(root: root, bind: "::1")
    defer { server.stop() }
    let c = try RawClient(server.address)
    try c.send("GET /hello.txt HTTP/1.1\r\nHost: [::1]\r\n\r\n")
    #expect(try c.readResponse().text == "Hello, world!\n")
  }

  @Test func dualStackListenerTakesIPv4() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let server = try TestServer(root: root, bind: "::")
    defer { server.stop() }
    let c = try RawClient(try SocketAddress(host: "127.0.0.1", port: server.port))
    try c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    #expect(try c.readResponse().text == "Hello, world!\n")
  }

  @Test func connectionLimitHoldsNewClientsUntilOneCloses() throws {
    let root = try Fixture.site()
    defer { Fixture.remove(root) }
    let server = try TestServer(root: root) { $0.maxConnections = 2 }
    defer { server.stop() }
    let a = try RawClient(server.address)
    let b = try RawClient(server.address)
    try a.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    try b.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    _ = try a.readResponse()
    _ = try b.readResponse()
    let c = try RawClient(server.address, timeout: 1)
    try c.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    #expect(throws: (any Error).self) { _ = try c.readResponse() }  // waits in the backlog
    try a.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    _ = try a.readResponse()
    #expect(a.isClosedByPeer())
    a.close()  // ends the server's calm close at once, freeing the slot
    #expect(try c.readResponse().text == "Hello, world!\n")
  }
}
