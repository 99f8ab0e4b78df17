import ServerCore
import Transport

/// One event loop's DNS responder: a UDP socket and a TCP listener on the same port, and with
/// a certificate a DNS-over-TLS listener (RFC 7858), all answered by the same sans-I/O
/// `Responder`.
public final class DNSServer {
  private let udp: UDPResponder
  public let tcp: TCPServer
  /// DNS over TLS: the same 2-byte framing as TCP, inside TLS.
  public let tls: TCPServer?
  private let log: LineLog

  /// The most connections each listener holds open per loop.
  public static let maxConnections = 1000

  public init(
    udp socket: UDPSocket, tcp listener: TCPListener, reactor: Reactor, responder: Responder, log sink: LogSink?,
    tls secure: (listener: TCPListener, channel: (TCPConnection) -> SecureChannel?)? = nil
  ) throws {
    let log = LineLog(sink: sink)
    self.log = log
    udp = UDPResponder(socket: socket, responder: responder, log: log)
    try reactor.register(socket.socket, interest: .readable, handler: udp)
    tcp = try TCPServer(listener: listener, reactor: reactor, maxConnections: Self.maxConnections) { _ in
      DNSOverTCP(responder: responder, log: log, transport: "tcp")
    }
    tcp.attach(log: log, trace: nil, on: reactor)
    if let secure {
      let server = try TCPServer(listener: secure.listener, reactor: reactor, maxConnections: Self.maxConnections) {
        _ in
        DNSOverTCP(responder: responder, log: log, transport: "tls")
      }
      server.secureChannel = secure.channel
      server.attach(log: log, trace: nil, on: reactor)
      tls = server
    } else {
      tls = nil
    }
  }

  /// How this server stops within a `ReactorGroup`: both listeners finish their connections.
  public var stopping: ReactorGroup.Stopping {
    let plain = tcp.stopping { [udp, log] in
      udp.close()
      log.flush()
    }
    guard let tls else { return plain }
    let secure = tls.stopping {}
    return ReactorGroup.Stopping(
      begin: { done in
        var remaining = 2
        for stopping in [plain, secure] {
          stopping.begin {
            remaining -= 1
            if remaining == 0 { done() }
          }
        }
      },
      force: {
        plain.force()
        secure.force()
      })
  }
}

/// Writes one log line per answered query: peer, transport, question, rcode, size.
func logQuery(_ log: LineLog, peer: SocketAddress, transport: String, query: [UInt8], response: [UInt8]) {
  guard log.isEnabled else { return }
  let question = DNSMessage.headerAndQuestion(of: query)?.1.first
  let rcode = response.count >= 4 ? Int(response[3] & 0xF) : 0
  let what = question.map { "\($0.name) \($0.recordClass) \($0.type)" } ?? "-"
  log.append("\(peer.host) \(transport) \"\(LineLog.escape(what))\" \(ResponseCode.name(rcode)) \(response.count)")
}

/// The UDP side: the server recipe `socket → bind → recvfrom → sendto`, on the reactor.
final class UDPResponder: ReadinessHandler {
  let socket: UDPSocket
  let responder: Responder
  let log: LineLog
  private var open = true
  private let answers = AnswerCache()

  init(socket: UDPSocket, responder: Responder, log: LineLog) {
    self.socket = socket
    self.responder = responder
    self.log = log
  }

  /// Answers every datagram waiting (up to a batch): each one alone, nothing kept between them.
  /// One buffer for every datagram this socket receives.
  private var buffer = [UInt8](repeating: 0, count: 65_535)

  func ready(readable: Bool, writable: Bool) {
    for _ in 0..<64 {
      guard open, let (count, peer) = (try? socket.receive(into: &buffer)) ?? nil else { return }
      let query = Array(buffer[0..<count])
      guard let response = answers.response(to: query, build: { responder.respond(to: query, overUDP: true) }) else {
        continue
      }
      _ = try? socket.send(response, to: peer)
      logQuery(log, peer: peer, transport: "udp", query: query, response: response)
    }
  }

  func close() {
    guard open else { return }
    open = false
    socket.close()
  }
}

/// The TCP side (RFC 7766): each message framed by a 2-byte length, several per connection;
/// a zone transfer's answer is several messages in a row.
final class DNSOverTCP: TCPConnectionDelegate {
  let responder: Responder
  let log: LineLog
  /// "tcp" or "tls", for the query log.
  let transport: String
  /// An idle connection is closed after this long (RFC 7766 §6.2.3 asks for seconds, not minutes).
  static let idleMilliseconds: Int64 = 10_000

  init(responder: Responder, log: LineLog, transport: String) {
    self.responder = responder
    self.log = log
    self.transport = transport
  }

  func connectionDidOpen(_ c: TCPConnection) {
    c.deadline = c.reactor.now + Self.idleMilliseconds
  }

  func connectionDidReceive(_ c: TCPConnection) {
    while c.input.count >= 2 {
      let frame = c.input.withUnsafeBytes { raw -> [UInt8]? in
        let length = Int(raw[0]) << 8 | Int(raw[1])
        return raw.count >= 2 + length ? Array(raw[2..<(2 + length)]) : nil
      }
      guard let query = frame else { return }
      c.input.consume(2 + query.count)
      let responses = responder.respondOverTCP(to: query, from: c.peer.host)
      guard let last = responses.last else {
        c.closeAfterWrites()
        return
      }
      for response in responses { c.write([UInt8(response.count >> 8), UInt8(response.count & 0xFF)] + response) }
      logQuery(
        log, peer: c.peer, transport: transport + (responses.count > 1 ? "-xfr" : ""), query: query, response: last)
      c.deadline = c.reactor.now + Self.idleMilliseconds
    }
  }

  func connectionDidDrain(_ c: TCPConnection) {}
  func connectionDidReachEOF(_ c: TCPConnection) { c.closeAfterWrites() }
  func connectionDeadlinePassed(_ c: TCPConnection) { c.closeAfterWrites() }
  func connectionShouldFinish(_ c: TCPConnection) { c.closeAfterWrites() }
  func connectionDidClose(_ c: TCPConnection) {}
}
