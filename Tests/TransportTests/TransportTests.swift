import Glibc
import TestSupport
import Testing

@testable import Transport

@Suite struct SocketAddressTests {
  @Test func parsesAndPrintsBothFamilies() throws {
    #expect(try SocketAddress(host: "127.0.0.1", port: 80).description == "127.0.0.1:80")
    #expect(try SocketAddress(host: "::1", port: 8080).description == "[::1]:8080")
    #expect(try SocketAddress(host: "[::1]", port: 1).host == "::1")
    #expect(try SocketAddress(host: "::", port: 0).family == AF_INET6)
  }

  @Test func rejectsNames() {
    #expect(throws: SocketError.self) { try SocketAddress(host: "localhost", port: 1) }
    #expect(throws: SocketError.self) { try SocketAddress(host: "1.2.3", port: 1) }
  }

  @Test func mappedIPv4EqualsPlainIPv4() throws {
    let mapped = try SocketAddress(host: "::ffff:127.0.0.1", port: 5)
    let plain = try SocketAddress(host: "127.0.0.1", port: 5)
    #expect(mapped.host == "127.0.0.1")
    #expect(mapped.sameHost(as: plain))
    #expect(mapped == plain)
    #expect(!(try SocketAddress(host: "127.0.0.2", port: 5)).sameHost(as: plain))
  }

  @Test func errorsNameTheCall() {
    let error = SocketError("bind", errno: EADDRINUSE)
    #expect(error.description == "bind: Address already in use (errno 98)")
  }
}

@Suite struct InputBufferTests {
  @Test func appendConsumeAndReuse() {
    var buffer = InputBuffer()
    #expect(buffer.capacity == 0)  // nothing allocated before the first recv
    _ = buffer.append(minimumSpace: 8) { raw in
      raw.copyBytes(from: [1, 2, 3, 4, 5, 6])
      return 6
    }
    #expect(buffer.bytes == [1, 2, 3, 4, 5, 6])
    buffer.consume(4)
    #expect(buffer.bytes == [5, 6])
    _ = buffer.append(minimumSpace: 100) { raw in
      #expect(raw.count >= 100)
      raw.copyBytes(from: [7])
      return 1
    }
    #expect(buffer.bytes == [5, 6, 7])
    buffer.consume(10)
    #expect(buffer.isEmpty)
    #expect(buffer.capacity >= 100)
    buffer.releaseIfEmpty()
    #expect(buffer.capacity == 0)
  }
}

/// An echo protocol for testing the transport without any application layer: it sends back
/// what it receives and, when the peer half-closes, sends "bye" and closes calmly.
final class Echo: TCPConnectionDelegate {
  func connectionDidReceive(_ c: TCPConnection) {
    c.write(c.input.bytes)
    c.input.consume(c.input.count)
  }
  func connectionDidDrain(_ c: TCPConnection) {}
  func connectionDidReachEOF(_ c: TCPConnection) {
    c.write(Array("bye".utf8))
    c.closeAfterWrites()
  }
  func connectionDeadlinePassed(_ c: TCPConnection) { c.abort() }
  func connectionShouldFinish(_ c: TCPConnection) { c.closeAfterWrites() }
  func connectionDidClose(_ c: TCPConnection) {}
}

@Suite struct TCPServerTests {
  func echoServer() throws -> (ReactorGroup, SocketAddress) {
    let listener = try TCPListener(address: try SocketAddress(host: "127.0.0.1", port: 0))
    let group = try ReactorGroup(count: 1) { reactor, _ in
      let server = try TCPServer(listener: listener, reactor: reactor) { _ in Echo() }
      return ReactorGroup.Stopping(
        begin: { done in
          server.onIdleAfterStop = done
          server.stop()
        }, force: { server.abortAll() })
    }
    return (group, listener.address)
  }

  @Test func echoesAndClosesCalmlyAfterHalfClose() throws {
    let (group, address) = try echoServer()
    defer {
      group.stop()
      group.wait()
    }
    let client = try RawClient(address)
    let payload = (0..<200_000).map { UInt8(truncatingIfNeeded: $0) }
    try client.send(payload)
    client.shutdownWrite()
    // Everything sent comes back, then "bye", then EOF: nothing lost to a reset.
    #expect(try client.receiveAll() == payload + Array("bye".utf8))
  }

  @Test func manyClientsAtOnce() throws {
    let (group, address) = try echoServer()
    defer {
      group.stop()
      group.wait()
    }
    let clients = try (0..<100).map { _ in try RawClient(address) }
    for (i, c) in clients.enumerated() { try c.send("client \(i)") }
    for (i, c) in clients.enumerated() {
      c.shutdownWrite()
      #expect(try c.receiveAll() == Array("client \(i)bye".utf8))
    }
  }

  @Test func stopWithNoConnectionsEndsTheLoop() throws {
    let (group, _) = try echoServer()
    group.stop()
    group.wait()
  }
}

@Suite struct UDPSocketTests {
  @Test func sendtoAndRecvfrom() throws {
    let receiver = try UDPSocket(boundTo: try SocketAddress(host: "127.0.0.1", port: 0))
    defer { receiver.close() }
    let sender = try UDPSocket(family: AF_INET)
    defer { sender.close() }
    let to = try receiver.localAddress()
    try sender.send(Array("ping".utf8), to: to)
    var got: (bytes: [UInt8], from: SocketAddress)?
    for _ in 0..<200 where got == nil {
      got = try receiver.receive()
      if got == nil { usleep(5000) }
    }
    let datagram = try #require(got)
    #expect(datagram.bytes == Array("ping".utf8))
    #expect(datagram.from.port == (try sender.localAddress()).port)
  }

  @Test func nothingWaitingIsNil() throws {
    let receiver = try UDPSocket(boundTo: try SocketAddress(host: "::1", port: 0))
    defer { receiver.close() }
    #expect(try receiver.receive() == nil)
  }
}
