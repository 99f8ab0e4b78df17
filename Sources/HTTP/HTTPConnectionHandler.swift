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

/// The glue between a TCP connection and `HTTPConnection`: it hands over bytes and events and
/// carries out the actions that come back (writes, closes, reading paused, deadlines), logging
/// each response. Every protocol decision is the state machine's.
final class HTTPConnectionHandler: TCPConnectionDelegate {
  /// Held inline (a struct): a new connection costs no allocation for it.
  private var machine: HTTPConnection
  private let log: LineLog
  private let dates: DateCache
  /// Shared by every connection of one event loop: actions are carried out before the handler
  /// returns, so one array serves them all, and an idle connection holds none of it.
  private let scratch: ActionScratch

  /// The actions array one event loop's handlers share.
  final class ActionScratch {
    var actions: [HTTPAction] = []
  }

  init(
    service: FileService, log: LineLog, dates: DateCache, timeouts: HTTPTimeouts, auth: AuthCache?,
    scratch: ActionScratch
  ) {
    machine = HTTPConnection(service: service, auth: auth, timeouts: timeouts)
    self.log = log
    self.dates = dates
    self.scratch = scratch
  }

  func connectionDidReceive(_ connection: TCPConnection) {
    process(connection)
  }

  /// Gives the state machine the input, one step at a time, until it has used all it can.
  private func process(_ connection: TCPConnection) {
    while connection.isOpen && !connection.input.isEmpty {
      let (consumed, again) = connection.input.withUnsafeBytes { raw in
        machine.receive(raw, now: connection.reactor.now, backlog: connection.queuedBytes, into: &scratch.actions)
      }
      connection.input.consume(consumed)
      run(on: connection)
      if !again { break }
    }
    machine.waiting(now: connection.reactor.now, inputPending: !connection.input.isEmpty, into: &scratch.actions)
    run(on: connection)
  }

  /// Carries out the actions the state machine returned, in order.
  private func run(on connection: TCPConnection) {
    for action in scratch.actions {
      switch action {
      case .write(let bytes): connection.write(bytes)
      case .respond(let answer): send(answer, on: connection)
      case .closeAfterWrites: connection.closeAfterWrites()
      case .pauseReading: connection.pauseReading()
      case .resumeReading: connection.resumeReading()
      case .setDeadline(let at): connection.deadline = at
      }
    }
    scratch.actions.removeAll(keepingCapacity: true)
  }

  /// Queues a response (the connection flushes it after this callback returns) and logs it.
  private func send(_ answer: HTTPAnswer, on connection: TCPConnection) {
    let response = answer.response
    let request = answer.request
    connection.write(
      response.serializedHead(
        date: dates.httpDate, connection: answer.connectionField,
        fixedFields: machine.service.options.security.fixedFields))
    if answer.withBody {
      for part in response.body {
        switch part {
        case .bytes(let bytes): connection.write(bytes)
        case .file(let file, let offset, let length): connection.write(file: file, offset: offset, length: length)
        case .stream(let source, _): connection.write(source: source)
        }
      }
    }
    let bodyBytes = answer.withBody ? response.contentLength : 0
    if log.isEnabled {
      log.append(
        AccessLog.line(
          peer: connection.peer.host, date: dates.logDate, requestLine: request?.requestLine ?? "-",
          status: response.status.code, bytes: bodyBytes, referer: request?.referer, userAgent: request?.userAgent))
    }
    connection.trace?.event(
      "http",
      "\(request.map { "\"" + $0.requestLine + "\"" } ?? "(malformed request)") → \(response.status), "
        + "\(bodyBytes) body bytes\(answer.closes ? "; closing after it" : "")")
  }

  func connectionDidDrain(_ connection: TCPConnection) {
    machine.drained(into: &scratch.actions)
    run(on: connection)
    process(connection)
  }

  func connectionDidReachEOF(_ connection: TCPConnection) {
    machine.endOfInput(into: &scratch.actions)
    run(on: connection)
  }

  func connectionDeadlinePassed(_ connection: TCPConnection) {
    machine.deadlinePassed(
      now: connection.reactor.now, backlog: connection.queuedBytes, inputPending: !connection.input.isEmpty,
      into: &scratch.actions)
    run(on: connection)
  }

  func connectionShouldFinish(_ connection: TCPConnection) {
    machine.serverStopping(
      backlog: connection.queuedBytes, inputPending: !connection.input.isEmpty, into: &scratch.actions)
    run(on: connection)
  }

  func connectionDidClose(_ connection: TCPConnection) {
    machine.closed()
  }
}
