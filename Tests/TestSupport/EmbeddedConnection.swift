import Glibc
import Transport

/// A connection for tests that needs no network, in the spirit of SwiftNIO's `EmbeddedChannel`:
/// a protocol's glue (any `TCPConnectionDelegate`) runs on a real `TCPConnection` whose other
/// end is one half of a `socketpair` that the test holds, on a reactor the test steps by hand.
/// The test writes inbound bytes, and reads what the glue sent; no port, no address, no thread,
/// so the glue of FTP's control connection or of DNS over TCP is tested like a state machine.
public final class EmbeddedConnection {
  public let reactor: Reactor
  public let connection: TCPConnection
  /// The test's end of the pair: what it writes is the connection's input.
  private let far: Socket

  /// Installs the delegate `make` returns, as `TCPServer` does for an accepted connection, and
  /// lets it speak first (FTP's greeting). `peer` is the address the glue believes it talks to.
  public init(
    peer: SocketAddress? = nil, delegate make: (TCPConnection) throws -> TCPConnectionDelegate
  ) throws {
    reactor = try Reactor()
    var pair: [Int32] = [0, 0]
    let flags = Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
    guard socketpair(AF_UNIX, flags, 0, &pair) == 0 else { throw SocketError.last("socketpair") }
    far = Socket(descriptor: pair[1])
    let address = try peer ?? SocketAddress(host: "127.0.0.1", port: 40_000)
    connection = try TCPConnection(socket: Socket(descriptor: pair[0]), peer: address, reactor: reactor)
    let delegate = try make(connection)
    connection.delegate = delegate
    delegate.connectionDidOpen(connection)
    connection.flush()
  }

  deinit {
    if !connection.isClosed { connection.abort() }
    far.close()
    reactor.releaseHandlers()
  }

  /// Runs the reactor until nothing more is ready.
  public func step() {
    for _ in 0..<100 where reactor.runReady() > 0 {}
  }

  /// Bytes from the client, as if they had arrived in one segment; then the glue runs.
  public func writeInbound(_ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
      let n = bytes[offset...].withUnsafeBytes { send(far.descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
      guard n > 0 else { throw SocketError.last("send") }
      offset += n
      step()
    }
    step()
  }

  public func writeInbound(_ text: String) throws { try writeInbound(Array(text.utf8)) }

  /// Everything the glue has sent so far (and not read before).
  public func readOutbound() -> [UInt8] {
    step()
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let n = buffer.withUnsafeMutableBytes { recv(far.descriptor, $0.baseAddress, $0.count, 0) }
      if n <= 0 { break }
      out += buffer[0..<n]
      step()
    }
    return out
  }

  public func readOutboundText() -> String { String(decoding: readOutbound(), as: UTF8.self) }

  /// The client shuts down its sending side: the glue sees end of input.
  public func closeInbound() {
    shutdown(far.descriptor, Int32(SHUT_WR))
    step()
  }

  /// The connection's clock jumps `milliseconds` ahead: deadlines that fall due now pass.
  public func advanceTime(by milliseconds: Int64) {
    connection.tick(now: reactor.now + milliseconds)
    step()
  }

  /// True once the glue has closed the connection and the far end has read its end.
  public var isClosed: Bool { connection.isClosed }

  /// True when the far end reads end of stream: the glue shut down or closed its side.
  public var farEndSawEOF: Bool {
    step()
    var byte: UInt8 = 0
    return recv(far.descriptor, &byte, 1, Int32(MSG_PEEK)) == 0
  }
}
