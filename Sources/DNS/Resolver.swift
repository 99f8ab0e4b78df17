import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// What one query exchange looked like, for the output and the +layers view.
public struct Exchange: Sendable {
  public var query: DNSMessage
  public var queryBytes: [UInt8]
  public var response: DNSMessage
  public var responseBytes: [UInt8]
  public var server: SocketAddress
  public var local: SocketAddress
  public var overTCP: Bool
  /// Round-trip time of the exchange that produced the answer, in milliseconds.
  public var milliseconds: Int
  /// The IP TTL / hop limit the answer arrived with, when the kernel reported it.
  public var receivedTTL: Int?
  /// UDP answers with TC that were retried over TCP.
  public var truncatedFirst = false
  /// The TCP connection carried TLS (DNS over TLS, RFC 7858).
  public var overTLS = false
  /// With TLS: the version and cipher ("TLSv1.3 TLS_AES_256_GCM_SHA384").
  public var tlsSummary: String?
}

/// Why no answer came.
public enum ResolverError: Error, Equatable, CustomStringConvertible {
  case timedOut
  case unreachable(String)

  public var description: String {
    switch self {
    case .timedOut: "connection timed out; no servers could be reached"
    case .unreachable(let why): "communications error: \(why)"
    }
  }
}

/// The DNS client: sends a query over UDP (`socket → sendto → recvfrom → close`) or TCP, with
/// timeouts, retries and TC fallback.
///
/// Over UDP it accepts an answer only from the address and port it asked, with the query's ID
/// and question: anything else (a forged, stray or malformed datagram) is reported through
/// `report` and it keeps waiting.
public struct Resolver {
  public var server: SocketAddress
  public var timeoutMilliseconds: Int
  public var tries: Int
  /// Where a reply that is not the answer is described (malformed, mismatched, from elsewhere),
  /// one line each, as kdig reports them: the CLI sends them to standard error.
  public var report: @Sendable (String) -> Void

  public init(
    server: SocketAddress, timeout: Double, tries: Int, report: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.server = server
    self.timeoutMilliseconds = Int(timeout * 1000)
    self.tries = max(1, tries)
    self.report = report
  }

  /// `host#port`, as dig names a server.
  static func describe(_ address: SocketAddress) -> String { "\(address.host)#\(address.port)" }

  /// The message in `bytes` if it answers `query`; otherwise nil, with what was wrong reported.
  func accept(_ bytes: [UInt8], from sender: SocketAddress, answering query: DNSMessage) -> DNSMessage? {
    guard sender == server else {
      report(";; reply from unexpected source: \(Self.describe(sender)), expected \(Self.describe(server))")
      return nil
    }
    let response: DNSMessage
    do {
      response = try DNSMessage(decoding: bytes)
    } catch {
      report(";; malformed reply from \(Self.describe(sender)): \(error)")
      return nil
    }
    guard Self.matches(response, query) else {
      let why =
        !response.header.isResponse
        ? "not a response (QR is 0)"
        : response.header.id != query.header.id
          ? "ID mismatch: expected \(query.header.id), got \(response.header.id)"
          : "question mismatch: expected \(Self.describe(query.questions)), got \(Self.describe(response.questions))"
      report(";; mismatched reply from \(Self.describe(sender)): \(why)")
      return nil
    }
    return response
  }

  static func describe(_ questions: [DNSQuestion]) -> String {
    questions.isEmpty ? "none" : questions.map { "\($0.name) \($0.recordClass) \($0.type)" }.joined(separator: ", ")
  }

  /// Sends `query` and returns the exchange. Over UDP, a truncated answer is retried over TCP
  /// unless `ignoreTruncation`.
  public func resolve(_ query: DNSMessage, tcp: Bool, ignoreTruncation: Bool = false) throws(ResolverError) -> Exchange
  {
    if tcp { return try overTCP(query) }
    var exchange = try overUDP(query)
    if exchange.response.header.truncated && !ignoreTruncation {
      var retry = try overTCP(query)
      retry.truncatedFirst = true
      exchange = retry
    }
    return exchange
  }

  /// Whether `bytes` answer `query`: a response with its ID and the same question.
  static func matches(_ response: DNSMessage, _ query: DNSMessage) -> Bool {
    response.header.isResponse && response.header.id == query.header.id
      && (response.questions == query.questions || (response.questions.isEmpty && response.header.rcode != 0))
  }

  /// The UDP exchange: `socket`, then per try `sendto` and `recvfrom` until a matching answer
  /// or the timeout.
  func overUDP(_ query: DNSMessage) throws(ResolverError) -> Exchange {
    let socket: UDPSocket
    do { socket = try UDPSocket(family: server.family) } catch { throw .unreachable(error.description) }
    defer { socket.close() }
    socket.reportTTL()
    let bytes = query.encoded()
    var local: SocketAddress?
    for _ in 0..<tries {
      let sent = MonotonicClock.milliseconds()
      do { try socket.send(bytes, to: server) } catch { throw .unreachable(error.description) }
      // The kernel picks the source port at the first sendto.
      if local == nil { local = Self.localAddress(of: socket, toward: server) }
      let deadline = sent + Int64(timeoutMilliseconds)
      while true {
        let left = Int(deadline - MonotonicClock.milliseconds())
        guard left > 0, socket.socket.wait(for: .readable, milliseconds: left) else { break }
        let datagram: (bytes: [UInt8], from: SocketAddress, ttl: Int?)?
        do {
          datagram = try socket.receiveWithTTL()
        } catch {
          // ECONNREFUSED: an ICMP port-unreachable came back. dig reports it and tries again.
          if error.errno == ECONNREFUSED { continue }
          throw .unreachable(error.description)
        }
        // Not the answer (reported): keep waiting for the real one until the timeout.
        guard let datagram, let response = accept(datagram.bytes, from: datagram.from, answering: query) else {
          continue
        }
        return Exchange(
          query: query, queryBytes: bytes, response: response, responseBytes: datagram.bytes, server: server,
          local: local ?? server, overTCP: false, milliseconds: Int(MonotonicClock.milliseconds() - sent),
          receivedTTL: datagram.ttl)
      }
    }
    throw .timedOut
  }

  /// The TCP exchange (RFC 7766): `socket`, `connect`, send the query with its 2-byte length,
  /// read the 2-byte length and the answer, `close`.
  func overTCP(_ query: DNSMessage) throws(ResolverError) -> Exchange {
    let bytes = query.encoded()
    let started = MonotonicClock.milliseconds()
    let deadline = started + Int64(timeoutMilliseconds) * Int64(tries)
    let socket = try connectTCP(deadline: deadline)
    defer { socket.close() }
    do {
      try socket.sendAll([UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes, deadline: deadline)
      while true {
        let prefix = try socket.receiveExactly(2, deadline: deadline)
        let answer = try socket.receiveExactly(Int(prefix[0]) << 8 | Int(prefix[1]), deadline: deadline)
        guard let response = accept(answer, from: server, answering: query) else { continue }
        let local = (try? socket.localAddress()) ?? server
        return Exchange(
          query: query, queryBytes: bytes, response: response, responseBytes: answer, server: server, local: local,
          overTCP: true, milliseconds: Int(MonotonicClock.milliseconds() - started), receivedTTL: nil)
      }
    } catch {
      throw error.errno == ETIMEDOUT ? .timedOut : .unreachable(error.description)
    }
  }

  /// The client's side of a TCP connection to the server: `socket`, then `connect`, waiting
  /// for it until `deadline`.
  func connectTCP(deadline: Int64) throws(ResolverError) -> Socket {
    let socket: Socket
    do { socket = try Socket.open(family: server.family, type: Int32(SOCK_STREAM.rawValue)) } catch {
      throw .unreachable(error.description)
    }
    let connected: Bool
    do { connected = try socket.connect(to: server) } catch {
      socket.close()
      throw .unreachable(error.description)
    }
    if !connected {
      guard socket.wait(for: .writable, milliseconds: Int(deadline - MonotonicClock.milliseconds())) else {
        socket.close()
        throw .timedOut
      }
      let failure = socket.pendingError()
      guard failure == 0 else {
        socket.close()
        throw .unreachable(SocketError("connect", errno: failure).description)
      }
    }
    return socket
  }

  /// An unbound UDP socket reports the wildcard address; the route toward the server tells
  /// which address its datagrams really leave from. The port is the socket's own.
  static func localAddress(of socket: UDPSocket, toward server: SocketAddress) -> SocketAddress {
    let port = (try? socket.localAddress())?.port ?? 0
    return (UDPSocket.sourceAddress(toward: server) ?? server).with(port: port)
  }

  /// The first nameserver in /etc/resolv.conf, as dig uses by default.
  public static func systemNameserver() -> String? {
    guard let file = fopen("/etc/resolv.conf", "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 1024)
    while fgets(&line, Int32(line.count), file) != nil {
      let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
      if words.count >= 2 && words[0] == "nameserver" { return String(words[1]) }
    }
    return nil
  }
}
