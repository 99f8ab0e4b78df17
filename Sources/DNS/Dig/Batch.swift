import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// Many queries at once over one UDP socket (`dig -f`, done concurrently).
///
/// Up to `window` queries are in flight; each answer is matched to its query by ID, source
/// address and question, so no answer is lost or attached to the wrong query. Unanswered
/// queries are retried; truncated answers are asked again over TCP at the end.
public struct BatchResolver {
  public var resolver: Resolver
  public var window: Int

  public init(resolver: Resolver, window: Int = 100) {
    self.resolver = resolver
    self.window = window
  }

  struct InFlight {
    var index: Int
    var query: DNSMessage
    var bytes: [UInt8]
    var sentAt: Int64
    var triesLeft: Int
  }

  /// Resolves every query; results come back in the same order. `progress` is called with
  /// (done, total) now and then.
  ///
  /// One piece: sending, matching answers by ID and question, and retrying share the in-flight table and the one socket, and a split would pass all of it around.
  public func run(
    _ queries: [DNSMessage], ignoreTruncation: Bool = false, progress: ((Int, Int) -> Void)? = nil
  ) -> [Result<Exchange, ResolverError>] {
    var results = [Result<Exchange, ResolverError>?](repeating: nil, count: queries.count)
    let socket: UDPSocket
    do { socket = try UDPSocket(family: resolver.server.family) } catch {
      return queries.map { _ in .failure(.unreachable(error.description)) }
    }
    defer { socket.close() }
    socket.reportTTL()
    var local: SocketAddress?
    var next = 0
    var inFlight: [UInt16: InFlight] = [:]
    var needTCP: [Int] = []
    var done = 0
    var ids = QueryIDs()
    var lastProgress: Int64 = 0
    let timeout = Int64(resolver.timeoutMilliseconds)

    func send(_ f: inout InFlight) {
      f.sentAt = MonotonicClock.milliseconds()
      f.triesLeft -= 1
      _ = try? socket.send(f.bytes, to: resolver.server)
    }

    while done < queries.count {
      // Fill the window, each query with an ID no other in-flight query has.
      while inFlight.count < window && next < queries.count {
        var query = queries[next]
        repeat {
          query.header.id = ids.next()
        } while inFlight[query.header.id] != nil
        var f = InFlight(index: next, query: query, bytes: query.encoded(), sentAt: 0, triesLeft: resolver.tries)
        send(&f)
        if local == nil { local = Resolver.localAddress(of: socket, toward: resolver.server) }
        inFlight[query.header.id] = f
        next += 1
      }
      let now = MonotonicClock.milliseconds()
      // The earliest moment a query in flight times out (a scan, but no array built for it).
      let nearest = inFlight.isEmpty ? now : inFlight.values.reduce(Int64.max) { min($0, $1.sentAt) } + timeout
      if socket.socket.wait(for: .readable, milliseconds: Int(max(0, nearest - now))) {
        while let datagram = try? socket.receiveWithTTL() {
          // The ID picks the query; `accept` checks the rest and reports what is not an answer.
          let id = datagram.bytes.count >= 2 ? UInt16(datagram.bytes[0]) << 8 | UInt16(datagram.bytes[1]) : 0
          guard let f = inFlight[id],
            let response = resolver.accept(datagram.bytes, from: datagram.from, answering: f.query)
          else {
            if inFlight[id] == nil {
              resolver.report(";; reply with an ID no query has from \(Resolver.describe(datagram.from))")
            }
            continue
          }
          inFlight[response.header.id] = nil
          if response.header.truncated && !ignoreTruncation {
            needTCP.append(f.index)
            continue
          }
          results[f.index] = .success(
            Exchange(
              query: f.query, queryBytes: f.bytes, response: response, responseBytes: datagram.bytes,
              server: resolver.server, local: local ?? resolver.server, overTCP: false,
              milliseconds: Int(MonotonicClock.milliseconds() - f.sentAt), receivedTTL: datagram.ttl))
          done += 1
        }
      }
      // Retry or give up on queries whose time is up (none is, before the earliest deadline).
      let after = MonotonicClock.milliseconds()
      for (id, var f) in inFlight where after >= nearest && after - f.sentAt >= timeout {
        if f.triesLeft > 0 {
          send(&f)
          inFlight[id] = f
        } else {
          inFlight[id] = nil
          results[f.index] = .failure(.timedOut)
          done += 1
        }
      }
      if done + needTCP.count == queries.count && inFlight.isEmpty && next == queries.count { break }
      if let progress, after - lastProgress >= 200 {
        lastProgress = after
        progress(done, queries.count)
      }
    }
    for index in needTCP {
      results[index] = Result { () throws(ResolverError) -> Exchange in
        var exchange = try resolver.overTCP(queries[index])
        exchange.truncatedFirst = true
        return exchange
      }
    }
    progress?(queries.count, queries.count)
    return results.map { $0 ?? .failure(.timedOut) }
  }
}
