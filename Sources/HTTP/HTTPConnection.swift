/// What the glue must do for an HTTP connection, in the order given.
public enum HTTPAction {
  /// Send these bytes (an interim `100 Continue`).
  case write([UInt8])
  /// Send a response: its head, then its body unless `withBody` is false (HEAD).
  case respond(HTTPAnswer)
  /// Close calmly once everything written so far has been sent.
  case closeAfterWrites
  /// Stop reading: the output has backed up (backpressure).
  case pauseReading
  /// Read again.
  case resumeReading
  /// The one deadline that applies now, in the caller's clock (milliseconds).
  case setDeadline(Int64)
}

/// A response decided by the connection, with what the glue needs to send and log it.
public struct HTTPAnswer {
  public var response: Response
  /// The request answered; nil for a request too malformed to read.
  public var request: Request?
  /// The value of the `Connection` field: "close", "keep-alive" for HTTP/1.0, or none.
  public var connectionField: String?
  /// False for HEAD: the head is the whole answer.
  public var withBody: Bool
  /// The connection closes after this answer.
  public var closes: Bool
}

/// One HTTP/1.1 connection as a state machine with no socket (in the spirit of h11's
/// `Connection`, and of `FTPSession` here): bytes and events in, `HTTPAction`s out.
///
/// This is the one place that decides routing (which method goes where), keep-alive, interim
/// responses, where a body goes and which deadline applies, and it keeps the rule that every
/// request gets exactly one response: once a request has been answered, nothing that follows
/// in its body — a malformed chunk, a stall — can produce a second one.
public struct HTTPConnection {
  /// Where the body of the request being read goes.
  enum Body {
    /// No request body is pending.
    case none
    /// Into a sink that answers once the body has all arrived (PUT, an upload form, PROPFIND).
    case receiving(RequestBodySink, Request)
    /// Read and dropped: the request was already answered.
    case discarding
  }

  /// Above this many bytes of output waiting, the connection stops reading.
  public static let highWater = 256 * 1024

  let service: FileService
  let auth: AuthCache?
  let timeouts: HTTPTimeouts
  private var parser: RequestParser
  private var body = Body.none
  /// When the head now arriving started, for the header timeout; 0 between requests.
  private var headStartedAt: Int64 = 0
  /// The server is stopping: the response under way is the last.
  private var stopping = false
  /// A response that closes the connection has been decided: nothing more is read or answered.
  public private(set) var closing = false
  private var readingPaused = false

  init(service: FileService, auth: AuthCache?, timeouts: HTTPTimeouts) {
    self.service = service
    self.auth = auth
    self.timeouts = timeouts
    var limits = RequestParser.Limits()
    if service.options.uploads.enabled { limits.body = max(limits.body, service.options.uploads.maxSize) }
    parser = RequestParser(limits: limits)
  }

  /// Takes one step over the input: a request head (answered or routed to its body's sink),
  /// some body bytes, or nothing yet. Returns how many bytes were used and whether to call
  /// again at once with what is left; `backlog` is the output still waiting to be sent.
  public mutating func receive(
    _ input: UnsafeRawBufferPointer, now: Int64, backlog: Int, into actions: inout [HTTPAction]
  ) -> (consumed: Int, again: Bool) {
    if closing { return (input.count, false) }  // the calm close drains it anyway
    if backlog > Self.highWater {
      readingPaused = true
      actions.append(.pauseReading)
      return (0, false)
    }
    if parser.isIdle && headStartedAt == 0 { headStartedAt = now }
    var sink: RequestBodySink?
    if case .receiving(let receiving, _) = body { sink = receiving }
    let (event, consumed) = parser.parse(input) { bytes in sink?.write(bytes) }
    switch event {
    case .needMore:
      return (consumed, consumed > 0)
    case .request(let request):
      headStartedAt = 0
      begin(request, into: &actions)
    case .bodyComplete:
      if case .receiving(let sink, let request) = body {
        body = .none
        respond(sink.finish(), to: request, into: &actions)
      }
      body = .none
    case .error(let error):
      if case .discarding = body {
        closeSilently(into: &actions)  // its request has its answer; this one gets none
      } else {
        respond(.error(error.status), to: nil, into: &actions)
      }
    }
    return (consumed, !closing)
  }

  /// Routes a complete request head: answered now, or its body handed to a sink.
  private mutating func begin(_ request: Request, into actions: inout [HTTPAction]) {
    switch route(request) {
    case .answer(let response):
      if request.framing != .none {
        if response.status.code >= 400 {
          // Refused before its body: the body is not read (it may be large, or malformed), so
          // the connection ends after the answer, as nginx does.
          respond(response, to: request, forceClose: true, into: &actions)
          return
        }
        // Answered, the body dropped as it comes. A client waiting for 100 must still send it.
        if request.expectContinue { actions.append(.write(Self.continueLine)) }
        body = .discarding
      }
      respond(response, to: request, into: &actions)
    case .receive(let sink):
      if request.framing == .none {
        respond(sink.finish(), to: request, into: &actions)
        return
      }
      if request.expectContinue { actions.append(.write(Self.continueLine)) }
      body = .receiving(sink, request)
    }
  }

  static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

  /// What a request leads to: an answer now, or a body to read first.
  enum Route {
    case answer(Response)
    case receive(RequestBodySink)
  }

  /// The one table of methods: who may do what (Basic auth first), then which part of the file
  /// service answers. Methods this server knows but does not serve get 405 with Allow; methods
  /// it does not know, 501.
  func route(_ request: Request) -> Route {
    if let port = service.options.security.redirectToPort {
      return .answer(service.options.security.redirect(request, toPort: port))
    }
    if let refusal = auth?.refusal(for: request) { return .answer(refusal) }
    if auth == nil && request.authorization != nil {
      // Without --auth, credentials mean nothing here: a lock must not become one account's.
      var anonymous = request
      anonymous.authorization = nil
      return route(anonymous)
    }
    let uploads = service.options.uploads.enabled
    if request.davIf != nil || (uploads && request.isWrite), let refusal = service.preconditions(request) {
      return .answer(refusal)
    }
    switch request.method {
    case .get, .head:
      return .answer(service.respond(to: request))
    case .options:
      return .answer(service.optionsResponse())
    case .put where uploads:
      return Self.route(service.beginUpload(request))
    case .post where uploads:
      return Self.route(service.beginFormUpload(request))
    case .delete where uploads:
      return .answer(service.delete(request))
    case .other("PROPFIND"):
      if request.framing == .none { return .answer(service.propfind(request, body: [])) }
      return .receive(XMLBody(request) { [service] in service.propfind($0, body: $1) })
    case .other("PROPPATCH") where uploads:
      return .receive(XMLBody(request) { [service] in service.proppatch($0, body: $1) })
    case .other("LOCK") where uploads:
      if request.framing == .none { return .answer(service.lock(request, body: [])) }
      return .receive(XMLBody(request) { [service] in service.lock($0, body: $1) })
    case .other("UNLOCK") where uploads:
      return .answer(service.unlock(request))
    case .other("MKCOL") where service.options.uploads.mkdir:
      return .answer(service.makeFolder(request))
    case .other("MOVE") where uploads, .other("COPY") where uploads:
      return .answer(service.transfer(request, move: request.method == .other("MOVE")))
    case .other("MOVE"), .other("COPY"), .other("MKCOL"), .other("PROPPATCH"), .other("LOCK"), .other("UNLOCK"):
      return .answer(.error(.methodNotAllowed, [("Allow", service.allow)]))
    case .other:
      return .answer(.error(.unimplemented))
    default:
      return .answer(.error(.methodNotAllowed, [("Allow", service.allow)]))
    }
  }

  private static func route<Sink: RequestBodySink>(_ planned: Planned<Sink>) -> Route {
    switch planned {
    case .ready(let sink): .receive(sink)
    case .refused(let response): .answer(response)
    }
  }

  /// Decides a response, and whether the connection stays open after it.
  private mutating func respond(
    _ response: Response, to request: Request?, forceClose: Bool = false, into actions: inout [HTTPAction]
  ) {
    let closes =
      forceClose || stopping || request.map { !$0.keepAlive } ?? true || response.closeConnection
      || response.closeDelimited
    let field = closes ? "close" : (request?.minorVersion == 0 ? "keep-alive" : nil)
    actions.append(
      .respond(
        HTTPAnswer(
          response: response, request: request, connectionField: field, withBody: request?.method != .head,
          closes: closes)))
    if closes { closeSilently(into: &actions) }
  }

  private mutating func closeSilently(into actions: inout [HTTPAction]) {
    closing = true
    body = .none
    actions.append(.closeAfterWrites)
  }

  // MARK: Other events

  /// After the input has been taken: the deadline that applies while waiting. `inputPending`
  /// says whether unread bytes (part of a head) are left over.
  public mutating func waiting(now: Int64, inputPending: Bool, into actions: inout [HTTPAction]) {
    guard !closing else { return }
    switch body {
    case .receiving, .discarding:
      // A body may take long; it only must not stall.
      actions.append(.setDeadline(now + timeouts.idle))
    case .none:
      if !parser.isIdle || inputPending {
        actions.append(.setDeadline((headStartedAt > 0 ? headStartedAt : now) + timeouts.header))
      } else {
        headStartedAt = 0
        actions.append(.setDeadline(now + timeouts.idle))
      }
    }
  }

  /// Every byte written has been sent: reading may go on.
  public mutating func drained(into actions: inout [HTTPAction]) {
    if readingPaused {
      readingPaused = false
      actions.append(.resumeReading)
    }
  }

  /// The deadline passed. Output still waiting gets the write-stall bound; a head or an
  /// unanswered body that stalled gets 408; an idle connection, or a body whose request was
  /// already answered, is closed without a word.
  public mutating func deadlinePassed(now: Int64, backlog: Int, inputPending: Bool, into actions: inout [HTTPAction]) {
    guard !closing else { return }
    if backlog > 0 {
      actions.append(.setDeadline(now + timeouts.writeStall))
      return
    }
    switch body {
    case .discarding:
      closeSilently(into: &actions)
    case .receiving(_, let request):
      respond(.error(.requestTimeout), to: request, forceClose: true, into: &actions)
    case .none:
      if !parser.isIdle || inputPending {
        respond(.error(.requestTimeout), to: nil, into: &actions)
      } else {
        closeSilently(into: &actions)
      }
    }
  }

  /// The peer will send nothing more: what is queued is finished, then the connection closes.
  /// An upload cut short is abandoned (its sink removes its temporary files).
  public mutating func endOfInput(into actions: inout [HTTPAction]) {
    guard !closing else { return }
    closeSilently(into: &actions)
  }

  /// The server is stopping: a connection waiting between requests (or with output still
  /// going) closes after its writes; one in the middle of a request answers it, then closes.
  public mutating func serverStopping(backlog: Int, inputPending: Bool, into actions: inout [HTTPAction]) {
    stopping = true
    guard !closing else { return }
    if backlog > 0 || (parser.isIdle && !inputPending) { closeSilently(into: &actions) }
  }

  /// The connection is gone: an unfinished upload's temporary files go with its sink.
  public mutating func closed() {
    body = .none
  }
}
