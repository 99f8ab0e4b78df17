import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// The thin glue of one FTP session: command lines from the control connection go to the
/// `FTPSession`, and its actions are carried out here — replies, passive listeners, data
/// connections, pauses, close.
final class FTPControlHandler: TCPConnectionDelegate {
  /// Held strongly: a transfer's end may arrive from the data connection after the control
  /// connection has closed (a client that resets both), and the reply code must still find a
  /// (closed) connection rather than a freed one. No cycle outlives the session: a connection
  /// drops its delegate when it closes.
  private let connection: TCPConnection
  private let session: FTPSession
  private let configuration: FTPServerConfiguration
  private let sessions: SessionCounter
  private let log: LineLog
  private var splitter = CommandLineSplitter()
  private var passive: PassiveListener?
  private var transfer: DataTransfer?
  private var connector: TCPConnector?
  private var transferStartedAt: Int64 = 0
  private var transferSummary = ""
  private var transferProtected = false
  /// Actions waiting for a pause to end.
  private var pending: [FTPAction] = []
  private var pausedUntil: Int64 = 0
  /// When a transfer waits for its data connection, it gives up at this time.
  private var dataDeadline: Int64 = 0
  private var counted = false
  private var processing = false
  private var closing = false

  /// Commands served while a transfer runs; others wait until it ends.
  static let duringTransfer: Set<String> = ["ABOR", "STAT", "NOOP", "QUIT"]
  /// How long to wait for a data connection.
  static let dataConnectTimeout: Int64 = 30_000

  init(
    connection: TCPConnection, jail: PathResolver, configuration: FTPServerConfiguration,
    sessions: SessionCounter, log: LineLog
  ) {
    self.connection = connection
    self.configuration = configuration
    self.sessions = sessions
    self.log = log
    session = FTPSession(
      jail: jail, options: configuration.session, peer: connection.peer, local: connection.local)
  }

  /// FTP's server speaks first: the 220 greeting, or 421 when the session limit is reached.
  func connectionDidOpen(_ c: TCPConnection) {
    // Clients send ABOR as TCP urgent data (ftplib sends the whole line with MSG_OOB). Keep the
    // urgent byte in the normal stream, or the line loses its last character.
    try? c.socket.setOption(level: SOL_SOCKET, name: SO_OOBINLINE, value: 1)
    let open = sessions.count.add(1, ordering: .relaxed).newValue
    counted = true
    if open > configuration.maxSessions {
      send(FTPReply(421, "Too many sessions; try again later."))
      closing = true
      c.closeAfterWrites()
      return
    }
    send(session.greeting)
    armIdleDeadline()
  }

  // MARK: Commands

  func connectionDidReceive(_ c: TCPConnection) {
    processInput()
  }

  private func processInput() {
    // A transfer that ends while an action list runs (ABOR) must not start the next command
    // before that list's own replies are out.
    guard !processing else { return }
    processing = true
    defer { processing = false }
    while !closing && pausedUntil == 0 && pending.isEmpty && !connection.input.isEmpty {
      let bytes = connection.input.bytes
      var (line, consumed) = splitter.next(bytes)
      if case .line(let text) = line, session.isTransferring || connector != nil {
        // While a transfer runs only a few commands are served; the rest wait their turn.
        let verb = FTPCommand(line: text)?.verb ?? ""
        if !Self.duringTransfer.contains(verb) { return }
      }
      connection.input.consume(consumed)
      switch line {
      case .line(let text)?:
        connection.trace?.event("ftp", "> " + (text.uppercased().hasPrefix("PASS ") ? "PASS ****" : text))
        guard let command = FTPCommand(line: text) else {
          run([.reply(FTPReply(500, "Syntax error, command unrecognized."))], logging: text)
          continue
        }
        run(session.handle(command), logging: command.verb == "PASS" ? "PASS ****" : text)
      case .tooLong?:
        run(session.lineTooLong(), logging: "(line too long)")
      case nil:
        if consumed == 0 { return }
      }
      line = nil
    }
    if !session.isTransferring && connector == nil { armIdleDeadline() }
  }

  /// Carries out actions in order; a pause keeps the rest for later.
  private func run(_ actions: [FTPAction], logging text: String? = nil) {
    var queue = actions[...]
    var lastCode: Int?
    while let action = queue.first {
      queue = queue.dropFirst()
      switch action {
      case .reply(let reply):
        send(reply)
        lastCode = reply.code
      case .openPassive(let extended):
        passive?.close()
        passive = PassiveListener.open(
          on: connection.local, ports: configuration.passivePorts, expecting: connection.peer,
          reactor: connection.reactor)
        let result =
          passive.map { session.passiveOpened(at: $0.listener.address, extended: extended) } ?? session.passiveFailed()
        queue = result[...] + queue
      case .closePassive:
        passive?.close()
        passive = nil
      case .startTransfer(let plan):
        start(plan)
      case .abortTransfer:
        connector?.cancel()
        connector = nil
        if let transfer {
          transfer.abort()  // reports .aborted, which queues the 426 before ABOR's own reply
        } else if session.isTransferring {
          finishTransfer(.aborted(bytes: 0))
        }
      case .pause(let milliseconds):
        pausedUntil = connection.reactor.now + milliseconds
        pending = Array(queue)
        connection.deadline = pausedUntil
        queue = []
      case .close:
        closing = true
        connection.closeAfterWrites()
        queue = []
      case .startTLS:
        guard let channel = configuration.controlChannel?(connection) else {
          closing = true
          connection.closeAfterWrites()
          queue = []
          break
        }
        connection.startSecure(channel)
      }
    }
    // A transfer's opening 150 is not logged: its final outcome gets a line of its own.
    if let text, let lastCode, lastCode >= 200 { logLine("\"\(LineLog.escape(text))\" \(lastCode)") }
  }

  private func send(_ reply: FTPReply) {
    connection.write(Array(reply.wire.utf8))
    connection.trace?.event(
      "ftp", "< \(reply.code) \(reply.lines[0])\(reply.lines.count > 1 ? " (+\(reply.lines.count - 1) lines)" : "")")
  }

  // MARK: Transfers

  private func start(_ plan: FTPTransfer) {
    transferStartedAt = connection.reactor.now
    transferSummary = plan.summary
    transferProtected = plan.protected
    let transfer = DataTransfer(plan) { [weak self] outcome in self?.finishTransfer(outcome) }
    self.transfer = transfer
    dataDeadline = connection.reactor.now + Self.dataConnectTimeout
    connection.deadline = dataDeadline
    if let target = plan.activeTarget {
      connector = TCPConnector.connect(to: target, reactor: connection.reactor) { [weak self] result in
        guard let self else { return }
        self.connector = nil
        switch result {
        case .success(let data): self.connected(data, for: transfer, how: "active: we connected to the client")
        case .failure: self.finishTransfer(.connectionFailed)
        }
      }
    } else if let passive {
      passive.whenConnected { [weak self] data in
        self?.connected(data, for: transfer, how: "passive: the client connected to us")
      }
    } else {
      finishTransfer(.connectionFailed)
    }
  }

  private func connected(_ data: TCPConnection, for transfer: DataTransfer, how: String) {
    guard self.transfer === transfer else {
      data.abort()
      return
    }
    dataDeadline = 0
    passive?.close()
    passive = nil
    if let trace = connection.trace?.child("data") {
      data.trace = trace
      trace.event("tcp", "data connection \(data.peer) ↔ \(data.local) (\(how))")
    }
    if transferProtected {
      // PROT P: we are the TLS server on the data connection too (RFC 4217 §7), whichever side
      // connected. Bytes the client sent already are its ClientHello.
      guard let channel = configuration.dataChannel?(data) else {
        data.abort()
        finishTransfer(.connectionFailed)
        return
      }
      data.startSecure(channel)
    }
    transfer.begin(on: data)
  }

  private func finishTransfer(_ outcome: TransferOutcome) {
    transfer = nil
    dataDeadline = 0
    passive?.close()
    passive = nil
    let bytes: Int
    switch outcome {
    case .completed(let n), .interrupted(let n), .aborted(let n): bytes = n
    default: bytes = 0
    }
    let actions = session.transferFinished(outcome)
    let elapsed = connection.reactor.now - transferStartedAt
    if case .reply(let reply)? = actions.first {
      let protection = transferProtected ? "TLS" : "clear"
      logLine("\"\(LineLog.escape(transferSummary))\" \(reply.code) \(bytes) \(elapsed)ms \(protection)")
    }
    run(actions)
    connection.flush()
    // Commands that waited for the transfer can run now.
    if !connection.isClosed { processInput() }
    connection.flush()
  }

  // MARK: Time

  private func armIdleDeadline() {
    guard !closing, pausedUntil == 0 else { return }
    connection.deadline = connection.reactor.now + configuration.idleTimeout * 1000
  }

  func connectionDeadlinePassed(_ c: TCPConnection) {
    let now = c.reactor.now
    if pausedUntil > 0 {
      pausedUntil = 0
      let rest = pending
      pending = []
      run(rest)
      processInput()
      return
    }
    if dataDeadline > 0 {
      if now >= dataDeadline {
        connector?.cancel()
        connector = nil
        transfer = nil
        finishTransfer(.connectionFailed)
      } else {
        c.deadline = dataDeadline
      }
      return
    }
    if session.isTransferring { return }  // the data connection has its own stall bound
    send(FTPReply(421, "Timeout: no command for \(configuration.idleTimeout) seconds; closing."))
    closing = true
    c.closeAfterWrites()
  }

  // MARK: Connection events

  func connectionDidDrain(_ c: TCPConnection) {}

  func connectionDidReachEOF(_ c: TCPConnection) {
    transfer?.abort()
    closing = true
    c.closeAfterWrites()
  }

  func connectionShouldFinish(_ c: TCPConnection) {
    if !session.isTransferring {
      send(FTPReply(421, "Server is shutting down."))
      closing = true
      c.closeAfterWrites()
    }
  }

  func connectionDidClose(_ c: TCPConnection) {
    transfer?.abort()
    transfer = nil
    connector?.cancel()
    connector = nil
    passive?.close()
    passive = nil
    if counted {
      sessions.count.subtract(1, ordering: .relaxed)
      counted = false
    }
  }

  private func logLine(_ text: String) {
    guard log.isEnabled else { return }
    log.append("\(connection.peer.host) \(session.userName) [\(UTC(Int(time(nil))).logFormat)] \(text)")
  }
}
