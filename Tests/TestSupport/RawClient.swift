import Foundation
import Transport

/// A blocking TCP client for tests: the client recipe (socket, connect, send, recv, close) with
/// a receive timeout, so a server bug shows up as a failed test rather than a hung one.
public final class RawClient {
  public private(set) var fd: Int32

  public struct Failure: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
  }

  /// Connects to `address` (blocking `connect`), with `timeout` seconds for every receive,
  /// optionally from a given local address (`bind` before `connect`).
  public init(_ address: SocketAddress, from source: String? = nil, timeout: Int = 10) throws {
    fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw Failure(description: "socket failed") }
    var tv = timeval(tv_sec: timeout, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    if let source {
      let local = try SocketAddress(host: source, port: 0)
      guard local.withSockAddr({ bind(fd, $0, $1) }) == 0 else { throw Failure(description: "bind failed") }
    }
    let rc = address.withSockAddr { connect(fd, $0, $1) }
    guard rc == 0 else {
      Glibc.close(fd)
      throw Failure(description: "connect failed: errno \(errno)")
    }
  }

  deinit { close() }

  /// `close()`: ends our side of the connection.
  public func close() {
    if fd >= 0 { Glibc.close(fd) }
    fd = -1
  }

  /// Sends all of `text`.
  public func send(_ text: String) throws { try send(Array(text.utf8)) }

  /// Sends all of `bytes`.
  public func send(_ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
      let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
      guard n > 0 else { throw Failure(description: "send failed: errno \(errno)") }
      offset += n
    }
  }

  /// `shutdown(SHUT_WR)`: tells the server we will send nothing more.
  public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

  private var pending: [UInt8] = []

  /// Receives once; returns nil on EOF, throws on timeout or error.
  func receiveChunk() throws -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: 65536)
    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    if n == 0 { return nil }
    if n < 0 { throw Failure(description: errno == EAGAIN ? "receive timed out" : "recv failed: errno \(errno)") }
    return Array(buffer[0..<n])
  }

  /// One line, without its CRLF.
  public func readLine() throws -> String {
    while true {
      if let newline = pending.firstIndex(of: 0x0A) {
        var line = Array(pending[..<newline])
        pending.removeFirst(newline + 1)
        if line.last == 0x0D { line.removeLast() }
        return String(decoding: line, as: UTF8.self)
      }
      guard let chunk = try receiveChunk() else { throw Failure(description: "EOF before a line") }
      pending += chunk
    }
  }

  /// Reads the rest of a response head line by line (the status line included) and returns its
  /// Content-Length, leaving the body unread: for tests that act between the head and the body.
  public func readContentLength() throws -> Int {
    var length = 0
    while case let line = try readLine(), !line.isEmpty {
      if line.lowercased().hasPrefix("content-length:") {
        length = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0
      }
    }
    return length
  }

  /// Exactly `count` bytes (after any already read past a line).
  public func receive(exactly count: Int) throws -> [UInt8] {
    while pending.count < count {
      guard let chunk = try receiveChunk() else { throw Failure(description: "EOF after \(pending.count) bytes") }
      pending += chunk
    }
    defer { pending.removeFirst(count) }
    return Array(pending[..<count])
  }

  /// Everything until the server closes.
  public func receiveAll() throws -> [UInt8] {
    var all = pending
    pending = []
    while let chunk = try receiveChunk() { all += chunk }
    return all
  }

  /// True if the server closed the connection (EOF) within the timeout, with nothing more sent.
  public func isClosedByPeer() -> Bool {
    guard pending.isEmpty else { return false }
    return (try? receiveChunk()) == .some(nil)
  }

  /// One response: head fields and body (by Content-Length; none for HEAD, 1xx, 204 and 304).
  public func readResponse(forHead: Bool = false) throws -> ParsedResponse {
    while true {
      if let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) {
        let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
        var response = ParsedResponse(head: head)
        var rest = Array(pending[end.upperBound...])
        let length =
          forHead || response.status < 200 || response.status == 204 || response.status == 304
          ? 0 : Int(response.header("content-length") ?? "0") ?? 0
        while rest.count < length {
          guard let chunk = try receiveChunk() else { throw Failure(description: "EOF inside a body") }
          rest += chunk
        }
        response.body = Array(rest[..<length])
        pending = Array(rest[length...])
        return response
      }
      guard let chunk = try receiveChunk() else { throw Failure(description: "EOF before a response") }
      pending += chunk
    }
  }
}

/// A response as a test reads it.
public struct ParsedResponse {
  public var status: Int
  public var headers: [(String, String)]
  public var body: [UInt8] = []
  public var text: String { String(decoding: body, as: UTF8.self) }

  init(head: String) {
    let lines = head.components(separatedBy: "\r\n")
    status = Int(lines[0].split(separator: " ")[1]) ?? 0
    headers = lines.dropFirst().compactMap { line in
      guard let colon = line.firstIndex(of: ":") else { return nil }
      return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }
  }

  public func header(_ name: String) -> String? {
    headers.first { $0.0.lowercased() == name.lowercased() }?.1
  }
}
