import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// One accepted TCP connection on a reactor: the `recv`/`send` steps of the recipe, with a read
/// buffer, a write queue, `writev` and `sendfile`, and a calm close.
///
/// Writes are queued and flushed after each delegate callback, so pipelined responses go out in
/// one `writev`. While the queue holds more than `highWater` bytes the connection stops reading
/// (backpressure: a client that does not read cannot make us buffer without bound).
public final class TCPConnection: ReadinessHandler {
  enum State {
    case open
    /// Shut down our sending side; reading and discarding until the peer closes (calm close).
    case lingering(until: Int64)
    case closed
  }

  /// The socket this connection owns.
  public let socket: Socket
  /// The client's address and port.
  public let peer: SocketAddress
  /// Our address and port on this connection (`getsockname`, asked the first time it is needed).
  public private(set) lazy var local: SocketAddress = (try? socket.localAddress()) ?? peer
  /// The loop this connection lives on.
  public unowned let reactor: Reactor
  /// The application protocol driving this connection.
  public var delegate: TCPConnectionDelegate?
  /// Bytes received and not yet consumed.
  public var input = InputBuffer()
  /// A moment (reactor milliseconds) at which the delegate is told the deadline passed; 0 = none.
  public var deadline: Int64 = 0
  /// Counters for logs and traces.
  public internal(set) var bytesReceived = 0
  public private(set) var bytesSent = 0
  /// When the connection was accepted (reactor milliseconds).
  public let openedAt: Int64
  /// Where `--trace` lines for this connection go, if tracing.
  public var trace: ConnectionTrace?
  /// TLS between the socket and the application, when this is a secure connection: set before
  /// the connection starts (see `TCPConnection+Secure`).
  public var secure: SecureChannel?
  /// Our close_notify is queued (a secure connection closing calmly).
  var closeNotified = false
  /// A channel to switch to once the output queued in the clear has gone (`startSecure`).
  var upgrade: SecureChannel?
  /// With output queued, the connection is cut after this long without any of it being taken
  /// by the peer (a client that stopped reading).
  public var writeStallMilliseconds: Int64 = 60_000
  var lastWriteProgress: Int64 = 0

  /// What is still to be sent.
  var output = OutputQueue()
  /// Bytes queued and not yet sent.
  public var queuedBytes: Int { output.byteCount }
  var state = State.open
  var registered: Interest = []
  /// Whether the descriptor is in the reactor's epoll set yet.
  var inSet = false
  var readingPaused = false
  var reachedEOF = false
  var closeWhenDrained = false

  /// Above this many queued bytes the connection stops reading.
  public static let highWater = 256 * 1024
  /// How long a calm close waits for the peer to close before giving up.
  public static let lingerMilliseconds: Int64 = 2000
  /// The most unconsumed input we keep before we stop reading.
  public static let inputLimit = 128 * 1024
  /// The largest single `recv` (see `readSize`).
  static let maximumReadSize = 256 * 1024
  /// How much the next `recv` asks for: 4 KiB, doubling while reads come back full.
  var readSize = 4096
  /// When input last arrived (reactor ms): an idle connection's input buffer is given back.
  var lastInputAt: Int64 = 0
  /// How long without input before an empty input buffer is freed.
  static let idleBufferMilliseconds: Int64 = 1000

  /// Adopts an accepted socket. With `registering` it joins the reactor's set for reading at
  /// once; without, it joins only when `start` finds it must wait (see `TCPServer.readAtOnce`).
  public init(socket: Socket, peer: SocketAddress, reactor: Reactor, registering: Bool = true) throws(SocketError) {
    self.socket = socket
    self.peer = peer
    self.reactor = reactor
    self.openedAt = reactor.now
    if registering {
      try reactor.register(socket, interest: .readable, handler: self)
      registered = .readable
      inSet = true
    } else {
      reactor.adopt(socket, handler: self)
    }
  }

  /// Begins a connection made with `registering: false`: reads what has already arrived when
  /// `readingAtOnce`, sends what is queued, and joins the reactor's set for whatever it must
  /// still wait for.
  public func start(readingAtOnce: Bool) {
    if readingAtOnce {
      ready(readable: true, writable: false)
    } else {
      flush()
      if !isClosed { updateInterest() }
    }
  }

  /// True once the peer has shut down its sending side (a read returned 0).
  public var hasReachedEOF: Bool { reachedEOF }

  /// True once the descriptor is closed.
  public var isClosed: Bool {
    if case .closed = state { return true }
    return false
  }

  /// True while neither side has started closing.
  public var isOpen: Bool {
    if case .open = state { return !closeWhenDrained }
    return false
  }

  // MARK: Output

  /// Queues bytes to send.
  public func write(_ bytes: [UInt8]) {
    guard isOpen else { return }
    noteOutputStarts()
    output.append(bytes)
  }

  /// Queues `length` bytes of `file` from `offset`, to be sent with `sendfile`.
  public func write(file: OpenFile, offset: Int, length: Int) {
    guard isOpen else { return }
    noteOutputStarts()
    output.append(file: file, offset: offset, length: length)
  }

  /// Queues a source of output of any length: it is asked for pieces only when everything
  /// before it has been sent, so a large generated body (a folder archive) costs constant memory.
  public func write(source: OutputSource) {
    guard isOpen else { return }
    noteOutputStarts()
    output.append(source: source)
  }

  /// The write-stall clock starts when output starts waiting.
  private func noteOutputStarts() {
    if output.isEmpty { lastWriteProgress = reactor.now }
  }

  /// Sends what is queued now, as far as the kernel takes it; the rest waits for writability.
  public func flush() {
    guard case .open = state else { return }
    if let secure {
      flushSecure(secure)
      return
    }
    sending: while true {
      let sent: Int
      switch output.front {
      case .empty:
        break sending
      case .bytes(let fileFollows):
        sent = sendGathered(fileFollows: fileFollows)
      case .file(let file, let offset, let length):
        sent = sendFile(file, offset: offset, length: length)
      case .source(let source):
        guard pull(source) else { return }
        continue
      }
      if sent < 0 { return }  // closed on error
      if sent == 0 { break }  // kernel buffer full
    }
    if output.isEmpty, let upgrade {
      switchToSecure(upgrade)
      return
    }
    if output.isEmpty && closeWhenDrained {
      beginLinger()
      return
    }
    updateInterest()
  }

  /// Puts a source's next pieces in front of it, or drops it when it has no more. A source that
  /// fails cuts the connection (the body can no longer be what was promised); false then.
  private func pull(_ source: OutputSource) -> Bool {
    do {
      output.expandFront(with: try source.nextPieces())
      return true
    } catch {
      trace?.event("tcp", "output source failed: \(error)")
      abort()
      return false
    }
  }

  /// `send()` of the byte run at the head of the queue, as one `writev()` — or as `sendmsg()`
  /// with MSG_MORE when a file's bytes come next, so a head shares a segment with the file's
  /// first bytes (as TCP_CORK would) instead of leaving in a small packet of its own.
  /// Returns the bytes sent, 0 when the kernel took nothing, -1 after closing on error.
  private func sendGathered(fileFollows: Bool) -> Int {
    let descriptor = socket.descriptor
    var count = 0
    let result = output.withGatheredBytes { vectors -> Result<Int, SocketError> in
      count = vectors.count
      return Result { () throws(SocketError) in
        guard fileFollows else {
          return try systemCall("writev") { writev(descriptor, vectors.baseAddress, Int32(vectors.count)) }
        }
        var message = msghdr()
        message.msg_iov = vectors.baseAddress
        message.msg_iovlen = vectors.count
        return try systemCall("sendmsg") { sendmsg(descriptor, &message, Int32(MSG_MORE)) }
      }
    }
    switch result {
    case .failure(let error) where error.wouldBlock:
      return 0
    case .failure(let error):
      trace?.event("tcp", "\(error.call) failed: \(error)")
      abort()
      return -1
    case .success(let n):
      trace?.event(
        "tcp",
        "send \(n) bytes (\(fileFollows ? "sendmsg" : "writev") of \(count) buffer\(count == 1 ? "" : "s")\(fileFollows ? ", MSG_MORE" : ""))"
      )
      advance(by: n)
      return n
    }
  }

  /// `sendfile()`: the kernel copies file pages straight to the socket, no user-space copy.
  private func sendFile(_ file: OpenFile, offset: Int, length: Int) -> Int {
    var position = off_t(offset)
    let n: Int
    do {
      n = try systemCall("sendfile") {
        CTransport.sendfile(socket.descriptor, file.descriptor, &position, min(length, 1 << 30))
      }
    } catch {
      if error.wouldBlock { return 0 }
      trace?.event("tcp", "sendfile failed: \(error)")
      abort()
      return -1
    }
    if n == 0 {
      // The file shrank under us: the promised length can no longer be sent. Cut the connection
      // so the client sees a short body, never a wrong one.
      abort()
      return -1
    }
    trace?.event("tcp", "send \(n) bytes (sendfile)")
    advance(by: n)
    return n
  }

  private func advance(by n: Int) {
    noteProgress(n)
    output.advance(by: n)
  }

  /// `n` bytes reached the socket: the write-stall clock restarts.
  func noteProgress(_ n: Int) {
    lastWriteProgress = reactor.now
    bytesSent += n
  }

  func updateInterest() {
    var wanted: Interest = []
    switch state {
    case .closed: return
    case .lingering: wanted = .readable
    case .open:
      if !readingPaused && !reachedEOF && input.count < Self.inputLimit { wanted.insert(.readable) }
      if let secure {
        // Plaintext can be sealed only once the handshake is done; until then only the
        // handshake's own ciphertext waits for the socket.
        if secure.pendingCount > 0 || (!output.isEmpty && secure.isEstablished) { wanted.insert(.writable) }
      } else if !output.isEmpty {
        wanted.insert(.writable)
      }
    }
    if !inSet {
      guard !wanted.isEmpty else { return }
      do {
        try reactor.add(socket, interest: wanted)
      } catch {
        trace?.event("tcp", "could not wait for this connection: \(error)")
        abort()
        return
      }
      inSet = true
      registered = wanted
    } else if wanted != registered {
      do {
        try reactor.modify(socket, interest: wanted)
      } catch {
        trace?.event("tcp", "could not change what this connection waits for: \(error)")
        abort()
        return
      }
      registered = wanted
    }
  }

  // MARK: ReadinessHandler

  public func ready(readable: Bool, writable: Bool) {
    switch state {
    case .closed:
      return
    case .lingering:
      if readable { drainWhileLingering() }
      return
    case .open:
      break
    }
    if writable && (!output.isEmpty || (secure?.pendingCount ?? 0) > 0) {
      flush()
      if isClosed { return }
      if output.isEmpty {
        delegate?.connectionDidDrain(self)
        flush()
      }
    }
    if readable && !readingPaused && !reachedEOF {
      let open = secure.map(receiveSecure) ?? receive()
      if isClosed { return }
      if !input.isEmpty || !open {
        delegate?.connectionDidReceive(self)
      }
      if isClosed { return }
      if reachedEOF, case .open = state {
        delegate?.connectionDidReachEOF(self)
      }
      flush()
    }
    if !isClosed { updateInterest() }
  }

  public func tick(now: Int64) {
    switch state {
    case .closed:
      return
    case .lingering(let until):
      if now >= until { close() }
    case .open:
      if input.isEmpty && input.capacity > 0 && now - lastInputAt >= Self.idleBufferMilliseconds {
        input.releaseIfEmpty()
        readSize = 4096
      }
      if queuedBytes > 0 && now - lastWriteProgress >= writeStallMilliseconds {
        abort()
        return
      }
      if let secure, !secure.isEstablished, now - openedAt >= secure.handshakeTimeout {
        trace?.event("tls", "the handshake took longer than \(secure.handshakeTimeout) ms: closing")
        abort()
        return
      }
      if deadline > 0 && now >= deadline {
        deadline = 0
        delegate?.connectionDeadlinePassed(self)
        flush()
      }
    }
  }
}
