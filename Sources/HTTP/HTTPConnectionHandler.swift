import ServerCore
import Transport

/// Timeouts of an HTTP connection, in milliseconds.
public struct HTTPTimeouts: Sendable {
  /// From the first byte of a request head to its end.
  public var header: Int64 = 20_000
  /// Between requests on a kept-alive connection.
  public var idle: Int64 = 30_000
  /// With output queued and no progress.
  public var writeStall: Int64 = 60_000
  public init() {}
}

/// The thin glue between a TCP connection and the HTTP logic: bytes from the connection go to
/// the parser, requests to the planner, planned responses back to the connection.
final class HTTPConnectionHandler: TCPConnectionDelegate {
  private let service: FileService
  private let log: LineLog
  private let dates: DateCache
  private let timeouts: HTTPTimeouts
  private var parser: RequestParser
  /// When the head now arriving started (reactor ms), for the header timeout.
  private var headStartedAt: Int64 = 0
  private var stopping = false
  /// A request whose body is being read, answered when the body ends.
  private var receiving: Receiving?

  enum Receiving {
    /// PUT: the body is the file.
    case upload(PendingUpload, Request)
    /// POST of an upload form: the body holds files.
    case form(FormUpload, Request)
    /// PROPFIND: a small XML body, kept whole (up to 64 KiB).
    case propfind(Request, [UInt8])

    var request: Request {
      switch self {
      case .upload(_, let r), .form(_, let r), .propfind(let r, _): r
      }
    }
  }

  /// Checks credentials when `--auth` is on.
  private let auth: AuthCache?

  init(service: FileService, log: LineLog, dates: DateCache, timeouts: HTTPTimeouts, auth: AuthCache?) {
    self.service = service
    self.auth = auth
    self.log = log
    self.dates = dates
    self.timeouts = timeouts
    var limits = RequestParser.Limits()
    if service.options.uploads.enabled { limits.body = max(limits.body, service.options.uploads.maxSize) }
    parser = RequestParser(limits: limits)
  }

  func connectionDidReceive(_ connection: TCPConnection) {
    process(connection)
  }

  /// Parses and answers every complete request in the input, in order, until the input runs
  /// out or the output backs up.
  private func process(_ connection: TCPConnection) {
    while connection.isOpen && !connection.input.isEmpty {
      if connection.queuedBytes > TCPConnection.highWater {
        connection.pauseReading()
        break
      }
      if parser.isIdle && headStartedAt == 0 { headStartedAt = connection.reactor.now }
      let (event, consumed) = connection.input.withUnsafeBytes { raw in
        parser.parse(raw) { body in receive(body) }
      }
      connection.input.consume(consumed)
      switch event {
      case .needMore:
        if consumed == 0 { break }
        continue
      case .request(let request):
        headStartedAt = 0
        if let refusal = auth?.refusal(for: request) {
          // A refused body is not read: answer and close.
          send(refusal, for: request, on: connection, close: request.framing != .none || !request.keepAlive || stopping)
        } else if request.method == .put && service.options.uploads.enabled {
          beginUpload(request, on: connection)
        } else if let change = changeFolder(request) {
          send(change, for: request, on: connection, close: request.framing != .none || !request.keepAlive || stopping)
        } else if request.method == .post && service.options.uploads.enabled {
          beginForm(request, on: connection)
        } else if request.method == .other("PROPFIND") && request.framing != .none {
          receiving = .propfind(request, [])
        } else if request.method == .other("PROPFIND") {
          send(service.propfind(request, body: []), for: request, on: connection, close: !request.keepAlive || stopping)
        } else {
          answer(request, on: connection)
        }
        continue
      case .bodyComplete:
        guard let done = receiving else { continue }
        receiving = nil
        let response: Response
        switch done {
        case .upload(let file, _): response = file.finish()
        case .form(let form, _): response = form.finish()
        case .propfind(let request, let body): response = service.propfind(request, body: body)
        }
        send(response, for: done.request, on: connection, close: !done.request.keepAlive || stopping)
        continue
      case .error(let error):
        send(.error(error.status), for: nil, on: connection, close: true)
        return
      }
      break
    }
    armDeadline(connection)
  }

  private func answer(_ request: Request, on connection: TCPConnection) {
    if request.expectContinue && request.framing != .none {
      connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
    }
    let response = service.respond(to: request)
    let close = !request.keepAlive || response.closeConnection || response.closeDelimited || stopping
    send(response, for: request, on: connection, close: close)
  }

  /// The WebDAV methods that change the folder without a body: MKCOL, DELETE, MOVE, COPY.
  private func changeFolder(_ request: Request) -> Response? {
    switch request.method {
    case .delete: service.delete(request)
    case .other("MKCOL"): service.makeFolder(request)
    case .other("MOVE"): service.transfer(request, move: true)
    case .other("COPY"): service.transfer(request, move: false)
    default: nil
    }
  }

  /// Body bytes of the request being read, to whoever stores them.
  private func receive(_ body: UnsafeRawBufferPointer) {
    switch receiving {
    case .upload(let file, _): file.write(body)
    case .form(let form, _): form.write(body)
    case .propfind(let request, var xml):
      guard xml.count + body.count <= 64 * 1024 else { return }
      xml += body
      receiving = .propfind(request, xml)
    case nil: return
    }
  }

  /// A form upload: refused at once (closing, the body unread), or stored as it arrives.
  private func beginForm(_ request: Request, on connection: TCPConnection) {
    switch service.beginFormUpload(request) {
    case .refused(let refusal):
      send(refusal, for: request, on: connection, close: true)
    case .ready(let form):
      if request.expectContinue { connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) }
      receiving = .form(form, request)
      if request.framing == .none {
        receiving = nil
        send(form.finish(), for: request, on: connection, close: !request.keepAlive || stopping)
      }
    }
  }

  /// A PUT: refused at once (closing, so a large body is not read for nothing), answered at
  /// once for an empty body, or stored as its body arrives.
  private func beginUpload(_ request: Request, on connection: TCPConnection) {
    switch service.beginUpload(request) {
    case .refused(let refusal):
      send(refusal, for: request, on: connection, close: request.framing != .none || !request.keepAlive || stopping)
    case .ready(let file):
      if request.framing == .none {
        send(file.finish(), for: request, on: connection, close: !request.keepAlive || stopping)
        return
      }
      if request.expectContinue { connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) }
      receiving = .upload(file, request)
    }
  }

  /// Queues a response; the connection flushes it after this callback returns.
  private func send(
    _ response: Response, for request: Request?, on connection: TCPConnection, close: Bool
  ) {
    let connectionHeader: String? =
      close ? "close" : (request.map { $0.minorVersion == 0 } ?? false) ? "keep-alive" : nil
    connection.write(response.serializedHead(date: dates.httpDate, connection: connectionHeader))
    let withBody = request?.method != .head
    if withBody {
      for part in response.body {
        switch part {
        case .bytes(let bytes): connection.write(bytes)
        case .file(let file, let offset, let length): connection.write(file: file, offset: offset, length: length)
        case .stream(let source, _): connection.write(source: source)
        }
      }
    }
    if log.isEnabled {
      log.append(
        AccessLog.line(
          peer: connection.peer.host, date: dates.logDate, requestLine: request?.requestLine ?? "-",
          status: response.status.code,
          bytes: withBody ? response.contentLength : 0, referer: request?.referer, userAgent: request?.userAgent))
    }
    connection.trace?.event(
      "http",
      "\(request.map { "\"" + $0.requestLine + "\"" } ?? "(malformed request)") → \(response.status), "
        + "\(withBody ? response.contentLength : 0) body bytes\(close ? "; closing after it" : "")")
    if close { connection.closeAfterWrites() }
  }

  /// Sets the one deadline that applies now: header, idle, or none while output is queued
  /// (the transport's write-stall bound covers that).
  private func armDeadline(_ connection: TCPConnection) {
    if receiving != nil {
      // An upload may take long; it only must not stall.
      connection.deadline = connection.reactor.now + timeouts.idle
    } else if !parser.isIdle || !connection.input.isEmpty {
      connection.deadline = (headStartedAt > 0 ? headStartedAt : connection.reactor.now) + timeouts.header
    } else {
      headStartedAt = 0
      connection.deadline = connection.reactor.now + timeouts.idle
    }
  }

  func connectionDidDrain(_ connection: TCPConnection) {
    connection.resumeReading()
    if !connection.input.isEmpty { process(connection) }
    armDeadline(connection)
  }

  func connectionDidReachEOF(_ connection: TCPConnection) {
    // The client will send nothing more: finish the responses already queued, then close.
    connection.closeAfterWrites()
  }

  func connectionDeadlinePassed(_ connection: TCPConnection) {
    if connection.queuedBytes > 0 {
      connection.deadline = connection.reactor.now + timeouts.writeStall
      return
    }
    if !parser.isIdle || !connection.input.isEmpty {
      send(.error(.requestTimeout), for: nil, on: connection, close: true)
    } else {
      connection.closeAfterWrites()
    }
  }

  func connectionShouldFinish(_ connection: TCPConnection) {
    stopping = true
    if connection.queuedBytes > 0 || (parser.isIdle && connection.input.isEmpty) {
      connection.closeAfterWrites()
    }
  }

  func connectionDidClose(_ connection: TCPConnection) {
    receiving = nil  // an unfinished upload's temporary files are removed with it
  }
}
