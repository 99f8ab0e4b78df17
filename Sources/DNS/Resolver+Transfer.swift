import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// A zone transfer as the client saw it: every message, for dig's listing and its summary.
public struct Transfer: Sendable {
  public var query: DNSMessage
  public var messages: [DNSMessage]
  /// The messages' sizes added up (without the 2-byte length prefixes), as dig counts them.
  public var bytes: Int
  public var server: SocketAddress
  public var milliseconds: Int

  /// Every record, in the order they came.
  public var records: [DNSRecord] { messages.flatMap(\.answers) }
  /// The server said no (REFUSED, NOTAUTH, ...) in place of a zone.
  public var failed: Bool { messages.first.map { $0.rcode != 0 } ?? true }
}

/// AXFR (RFC 5936) and IXFR (RFC 1995) over TCP: one query, then messages until the zone's
/// SOA comes round again.
extension Resolver {
  /// Transfers the zone `query` asks for (AXFR, or IXFR with the client's SOA in authority).
  ///
  /// One piece: the socket steps (connect, send, recv per message) and the end-of-transfer rule share the one connection and deadline.
  public func transfer(_ query: DNSMessage) throws(ResolverError) -> Transfer {
    let bytes = query.encoded()
    let started = MonotonicClock.milliseconds()
    let deadline = started + Int64(timeoutMilliseconds) * Int64(tries)
    let socket = try connectTCP(deadline: deadline)
    defer { socket.close() }
    var messages: [DNSMessage] = []
    var total = 0
    do {
      try socket.sendAll([UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes, deadline: deadline)
      while true {
        let prefix = try socket.receiveExactly(2, deadline: deadline)
        let wire = try socket.receiveExactly(Int(prefix[0]) << 8 | Int(prefix[1]), deadline: deadline)
        guard let message = acceptTransferMessage(wire, answering: query) else { continue }
        messages.append(message)
        total += wire.count
        if message.rcode != 0 || Self.transferIsComplete(messages.flatMap(\.answers), query: query) { break }
      }
    } catch {
      // The server closing the connection early ends a transfer that is not complete.
      throw error.errno == ETIMEDOUT ? .timedOut : .unreachable(error.description)
    }
    return Transfer(
      query: query, messages: messages, bytes: total, server: server,
      milliseconds: Int(MonotonicClock.milliseconds() - started))
  }

  /// A transfer message answers the query when it carries its ID; later messages may leave the
  /// question out (RFC 5936 §2.2.1).
  func acceptTransferMessage(_ wire: [UInt8], answering query: DNSMessage) -> DNSMessage? {
    let message: DNSMessage
    do { message = try DNSMessage(decoding: wire) } catch {
      report(";; malformed reply from \(Self.describe(server)): \(error)")
      return nil
    }
    guard message.header.isResponse, message.header.id == query.header.id,
      message.questions.isEmpty || message.questions == query.questions
    else {
      report(";; mismatched reply from \(Self.describe(server)): ID \(message.header.id) or question")
      return nil
    }
    return message
  }

  /// Whether `records` are a whole transfer: the SOA, the zone, the same SOA again; or, for an
  /// IXFR from a serial the server already has, the SOA alone (RFC 1995 §4).
  static func transferIsComplete(_ records: [DNSRecord], query: DNSMessage) -> Bool {
    guard let first = records.first, first.type == .soa else { return !records.isEmpty }
    if query.questions.first?.type == .ixfr, records.count == 1,
      let ours = Responder.serial(in: query.authority.first), let theirs = Responder.serial(in: first),
      Int32(bitPattern: theirs &- ours) <= 0
    {
      return true
    }
    return records.count > 1 && records.last?.type == .soa && records.last?.rdata == first.rdata
  }
}
