import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// What the application layer hears from a connection. All calls come on the reactor's thread.
public protocol TCPConnectionDelegate: AnyObject {
  /// The connection was just accepted and this delegate installed: a protocol in which the
  /// server speaks first (FTP's greeting) writes here. Queued output is flushed afterwards.
  func connectionDidOpen(_ connection: TCPConnection)
  /// New bytes are waiting in `connection.input`.
  func connectionDidReceive(_ connection: TCPConnection)
  /// Every queued byte has been handed to the kernel.
  func connectionDidDrain(_ connection: TCPConnection)
  /// The peer shut down its sending side (read returned 0); no more input will come.
  func connectionDidReachEOF(_ connection: TCPConnection)
  /// `connection.deadline` has passed.
  func connectionDeadlinePassed(_ connection: TCPConnection)
  /// The server is stopping: finish what is under way, then close.
  func connectionShouldFinish(_ connection: TCPConnection)
  /// The descriptor is closed; drop references to the connection.
  func connectionDidClose(_ connection: TCPConnection)
}

extension TCPConnectionDelegate {
  public func connectionDidOpen(_ connection: TCPConnection) {}
}

/// One accepted TCP connection on a reactor: the `recv`/`send` steps of the recipe, with a read
/// buffer, a write queue, `writev` and `sendfile`, and a calm close.
///
/// Writes are queued and flushed after each delegate callback, so pipelined responses go out in
/// one `writev`. While the queue holds more than `highWater` bytes the connection stops reading
/// (backpressure: a client that does not read cannot make us buffer without bound).
public final class TCPConnection: ReadinessHandler {
  /// A piece of output: bytes, a range of an open file sent with `sendfile`, or a source asked
  /// for more pieces when the queue reaches it.
  enum Chunk {
    case bytes([UInt8])
    case file(OpenFile, offset: Int, length: Int)
    case source(OutputSource)
  }

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
  public private(set) var bytesReceived = 0
  public private(set) var bytesSent = 0
  /// When the connection was accepted (reactor milliseconds).
  public let openedAt: Int64
  /// Where `--trace` lines for this connection go, if tracing.
  public var trace: ConnectionTrace?
  /// With output queued, the connection is cut after this long without any of it being taken
  /// by the peer (a client that stopped reading).
  public var writeStallMilliseconds: Int64 = 60_000
  private var lastWriteProgress: Int64 = 0

  var queue: [Chunk] = []
  var queueHead = 0
  /// How far into the first chunk we have already sent.
  var headOffset = 0
  /// Bytes queued and not yet sent.
  public private(set) var queuedBytes = 0
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
      try reactor.register(socket.descriptor, interest: .readable, handler: self)
      registered = .readable
      inSet = true
    } else {
      reactor.adopt(socket.descriptor, handler: self)
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
    guard isOpen, !bytes.isEmpty else { return }
    if queuedBytes == 0 { lastWriteProgress = reactor.now }
    queue.append(.bytes(bytes))
    queuedBytes += bytes.count
  }

  /// Queues `length` bytes of `file` from `offset`, to be sent with `sendfile`.
  public func write(file: OpenFile, offset: Int, length: Int) {
    guard isOpen, length > 0 else { return }
    if queuedBytes == 0 { lastWriteProgress = reactor.now }
    queue.append(.file(file, offset: offset, length: length))
    queuedBytes += length
  }

  /// Queues a source of output of any length: it is asked for pieces only when everything
  /// before it has been sent, so a large generated body (a folder archive) costs constant memory.
  public func write(source: OutputSource) {
    guard isOpen else { return }
    if queuedBytes == 0 { lastWriteProgress = reactor.now }
    queue.append(.source(source))
  }

  /// Sends what is queued now, as far as the kernel takes it; the rest waits for writability.
  public func flush() {
    guard case .open = state else { return }
    while queueHead < queue.count {
      let sent: Int
      switch queue[queueHead] {
      case .bytes:
        sent = sendGathered()
      case .file(let file, let offset, let length):
        sent = sendFile(file, offset: offset + headOffset, length: length - headOffset)
      case .source(let source):
        guard pull(source) else { return }
        continue
      }
      if sent < 0 { return }  // closed on error
      if sent == 0 { break }  // kernel buffer full
    }
    if queueHead == queue.count {
      queue.removeAll(keepingCapacity: true)
      queueHead = 0
      if closeWhenDrained {
        beginLinger()
        return
      }
    } else if queueHead > 32 {
      queue.removeFirst(queueHead)
      queueHead = 0
    }
    updateInterest()
  }

  /// Puts a source's next pieces in front of it, or drops it when it has no more. A source that
  /// fails cuts the connection (the body can no longer be what was promised); false then.
  private func pull(_ source: OutputSource) -> Bool {
    let pieces: [OutputPiece]?
    do {
      pieces = try source.nextPieces()
    } catch {
      trace?.event("tcp", "output source failed: \(error)")
      abort()
      return false
    }
    guard let pieces else {
      queue[queueHead] = .bytes([])
      queueHead += 1
      return true
    }
    var chunks: [Chunk] = []
    for piece in pieces {
      switch piece {
      case .bytes(let b) where !b.isEmpty:
        chunks.append(.bytes(b))
        queuedBytes += b.count
      case .file(let file, let offset, let length) where length > 0:
        chunks.append(.file(file, offset: offset, length: length))
        queuedBytes += length
      default:
        continue
      }
    }
    queue.insert(contentsOf: chunks, at: queueHead)
    return true
  }

  /// `writev()`: sends the run of byte chunks at the head of the queue in one call (as
  /// `sendmsg()` with MSG_MORE when a file's bytes come next).
  /// Returns the bytes sent, 0 when the kernel took nothing, -1 after closing on error.
  private func sendGathered() -> Int {
    var end = queueHead
    while end < queue.count, end - queueHead < 64, case .bytes = queue[end] { end += 1 }
    let count = end - queueHead
    var fileFollows = false
    if end < queue.count, case .file = queue[end] { fileFollows = true }
    let n = withUnsafeTemporaryAllocation(of: iovec.self, capacity: count) { vectors in
      // Each chunk's bytes are pinned by a nested `withUnsafeBytes`, so every pointer in the
      // vector stays valid for the whole `writev` call.
      func pin(_ index: Int) -> Int {
        guard index < end else {
          // When a file follows (a head before its body), MSG_MORE holds these bytes back to
          // share a segment with the file's first bytes, as TCP_CORK would, instead of leaving
          // in a small packet of their own.
          guard fileFollows else {
            return retryingOnInterrupt { writev(socket.descriptor, vectors.baseAddress, Int32(count)) }
          }
          var message = msghdr()
          message.msg_iov = vectors.baseAddress
          message.msg_iovlen = count
          return retryingOnInterrupt { sendmsg(socket.descriptor, &message, Int32(MSG_MORE)) }
        }
        guard case .bytes(let bytes) = queue[index] else { return pin(end) }
        return bytes.withUnsafeBytes { raw in
          let skip = index == queueHead ? headOffset : 0
          vectors[index - queueHead] = iovec(
            iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress! + skip), iov_len: raw.count - skip)
          return pin(index + 1)
        }
      }
      return pin(queueHead)
    }
    if n < 0 {
      if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
      trace?.event("tcp", "\(fileFollows ? "sendmsg" : "writev") failed: \(SocketError.last("writev"))")
      abort()
      return -1
    }
    trace?.event(
      "tcp",
      "send \(n) bytes (\(fileFollows ? "sendmsg" : "writev") of \(count) buffer\(count == 1 ? "" : "s")\(fileFollows ? ", MSG_MORE" : ""))"
    )
    advance(by: n)
    return n
  }

  /// `sendfile()`: the kernel copies file pages straight to the socket, no user-space copy.
  private func sendFile(_ file: OpenFile, offset: Int, length: Int) -> Int {
    var position = off_t(offset)
    let n = retryingOnInterrupt {
      CTransport.sendfile(socket.descriptor, file.descriptor, &position, min(length, 1 << 30))
    }
    if n < 0 {
      if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
      abort()
      return -1
    }
    if n > 0 { trace?.event("tcp", "send \(n) bytes (sendfile)") }
    if n == 0 {
      // The file shrank under us: the promised length can no longer be sent. Cut the connection
      // so the client sees a short body, never a wrong one.
      abort()
      return -1
    }
    advance(by: n)
    return n
  }

  /// Moves the queue head past `n` sent bytes.
  private func advance(by n: Int) {
    lastWriteProgress = reactor.now
    bytesSent += n
    queuedBytes -= n
    var remaining = n
    while remaining > 0, queueHead < queue.count {
      let length: Int
      switch queue[queueHead] {
      case .bytes(let b): length = b.count
      case .file(_, _, let l): length = l
      case .source: return  // sent bytes never reach past a source not yet pulled
      }
      let left = length - headOffset
      if remaining >= left {
        remaining -= left
        queue[queueHead] = .bytes([])  // release the storage or file now
        queueHead += 1
        headOffset = 0
      } else {
        headOffset += remaining
        remaining = 0
      }
    }
  }

  // MARK: Closing

  /// Closes calmly once everything queued is sent: `shutdown(SHUT_WR)` (the peer reads EOF after
  /// our last byte), read and discard until the peer closes too or the linger bound passes, then
  /// `close()`. Closing straight away could make the kernel answer unread input with a reset that
  /// destroys our response in flight (RFC 9112 §9.6).
  public func closeAfterWrites() {
    guard isOpen else { return }
    closeWhenDrained = true
    if queueHead == queue.count { beginLinger() }
  }

  private func beginLinger() {
    guard case .open = state else { return }
    if reachedEOF {
      close()
      return
    }
    shutdown(socket.descriptor, Int32(SHUT_WR))
    trace?.event("tcp", "shutdown(SHUT_WR): our side is done sending; draining until the peer closes")
    state = .lingering(until: reactor.now + Self.lingerMilliseconds)
    readingPaused = false
    updateInterest()
  }

  /// Closes at once (`close()`), dropping anything queued. For errors and timeouts.
  public func abort() {
    close()
  }

  private func close() {
    if case .closed = state { return }
    state = .closed
    // close() takes the descriptor out of the epoll set itself (it is never duplicated).
    reactor.forget(socket.descriptor)
    socket.close()
    trace?.event("tcp", "close after \(reactor.now - openedAt)ms: \(bytesReceived) bytes in, \(bytesSent) bytes out")
    queue.removeAll()
    queueHead = 0
    queuedBytes = 0
    let delegate = self.delegate
    self.delegate = nil
    delegate?.connectionDidClose(self)
  }

  /// Tells the delegate the server is stopping.
  public func finish() {
    if case .open = state { delegate?.connectionShouldFinish(self) }
  }

  // MARK: Input

  /// Stops reading until `resumeReading()`; the kernel's buffer then fills and TCP flow control
  /// slows the sender.
  public func pauseReading() {
    readingPaused = true
    updateInterest()
  }

  /// Reads again after `pauseReading()`.
  public func resumeReading() {
    readingPaused = false
    updateInterest()
  }

  /// `recv()`: reads what the kernel has for us into `input`.
  /// Returns false when the connection closed or reached EOF.
  private func receive() -> Bool {
    var offered = 0
    let n = input.append(minimumSpace: readSize) { space in
      offered = space.count
      return retryingOnInterrupt { recv(socket.descriptor, space.baseAddress, space.count, 0) }
    }
    if n > 0 {
      // A read that filled all the space offered means a stream (an upload): read bigger next
      // time, up to 256 KiB, so a fast sender costs fewer calls.
      if n == offered && readSize < Self.maximumReadSize { readSize *= 2 }
      bytesReceived += n
      lastInputAt = reactor.now
      trace?.event("tcp", "recv \(n) bytes")
      return true
    }
    if n == 0 {
      reachedEOF = true
      trace?.event("tcp", "recv 0: the peer shut down its sending side (EOF)")
      return false
    }
    if errno == EAGAIN || errno == EWOULDBLOCK { return true }
    abort()
    return false
  }

  /// Reads and throws away input during a calm close, closing on EOF or error.
  private func drainWhileLingering() {
    let n = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) {
      recv(socket.descriptor, $0.baseAddress, $0.count, 0)
    }
    if n > 0 { return }
    if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return }
    close()
  }

  private func updateInterest() {
    var wanted: Interest = []
    switch state {
    case .closed: return
    case .lingering: wanted = .readable
    case .open:
      if !readingPaused && !reachedEOF && input.count < Self.inputLimit { wanted.insert(.readable) }
      if queueHead < queue.count { wanted.insert(.writable) }
    }
    if !inSet {
      guard !wanted.isEmpty else { return }
      do {
        try reactor.add(socket.descriptor, interest: wanted)
      } catch {
        trace?.event("tcp", "could not wait for this connection: \(error)")
        abort()
        return
      }
      inSet = true
      registered = wanted
    } else if wanted != registered {
      registered = wanted
      reactor.modify(socket.descriptor, interest: wanted)
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
    if writable && queueHead < queue.count {
      flush()
      if isClosed { return }
      if queueHead == queue.count {
        delegate?.connectionDidDrain(self)
        flush()
      }
    }
    if readable && !readingPaused && !reachedEOF {
      let open = receive()
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
      if deadline > 0 && now >= deadline {
        deadline = 0
        delegate?.connectionDeadlinePassed(self)
        flush()
      }
    }
  }
}
