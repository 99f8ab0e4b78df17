import TLS
import Transport

/// DNS over TLS (RFC 7858): the TCP framing inside TLS, one connection, queries pipelined.
extension Resolver {
  /// How the server's TLS is checked, and the name sent in SNI.
  public struct TLSSettings: Sendable {
    public var verification: TLSClient.Verification
    public var serverName: String?

    public init(verification: TLSClient.Verification, serverName: String?) {
      self.verification = verification
      self.serverName = serverName
    }
  }

  /// The exchanges for `queries` over one TLS connection: `socket`, `connect`, the handshake,
  /// then the queries written (up to `window` unanswered at a time) and the answers read as
  /// they come, matched by ID; results in the queries' order.
  ///
  /// One piece: the connection, the in-flight table and the deadline belong to the one loop that pipelines.
  public func overTLS(_ queries: [DNSMessage], tls: TLSSettings, window: Int = 100) throws(ResolverError)
    -> [Exchange]
  {
    let started = MonotonicClock.milliseconds()
    let deadline = started + Int64(timeoutMilliseconds) * Int64(tries) + Int64(queries.count)
    let socket = try connectTCP(deadline: deadline)
    defer { socket.close() }
    let client: TLSClient
    do {
      client = try TLSClient(socket: socket, serverName: tls.serverName, verification: tls.verification)
      try client.handshake(deadline: deadline)
    } catch {
      throw .unreachable(error.description)
    }
    let local = (try? socket.localAddress()) ?? server
    var results = [Exchange?](repeating: nil, count: queries.count)
    var sentAt: [UInt16: (index: Int, at: Int64, bytes: [UInt8])] = [:]
    var asked = queries
    var ids = QueryIDs()
    var next = 0
    var done = 0
    do {
      while done < queries.count {
        while next < queries.count && sentAt.count < window {
          // Each query in flight gets an ID no other one has: the ID is what matches an answer.
          repeat { asked[next].header.id = ids.next() } while sentAt[asked[next].header.id] != nil
          let bytes = asked[next].encoded()
          try client.send([UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes, deadline: deadline)
          sentAt[asked[next].header.id] = (next, MonotonicClock.milliseconds(), bytes)
          next += 1
        }
        let prefix = try client.receive(exactly: 2, deadline: deadline)
        let wire = try client.receive(exactly: Int(prefix[0]) << 8 | Int(prefix[1]), deadline: deadline)
        let id = wire.count >= 2 ? UInt16(wire[0]) << 8 | UInt16(wire[1]) : 0
        guard let (index, at, bytes) = sentAt[id],
          let response = accept(wire, from: server, answering: asked[index])
        else { continue }
        sentAt[id] = nil
        var exchange = Exchange(
          query: asked[index], queryBytes: bytes, response: response, responseBytes: wire, server: server,
          local: local, overTCP: true, milliseconds: Int(MonotonicClock.milliseconds() - at), receivedTTL: nil)
        exchange.overTLS = true
        exchange.tlsSummary = client.summary
        results[index] = exchange
        done += 1
      }
      client.close()
    } catch {
      throw error.description.contains("timed out") ? .timedOut : .unreachable(error.description)
    }
    return results.compactMap { $0 }
  }
}
