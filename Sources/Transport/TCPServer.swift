import CTransport
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Accepts connections from one listener on one reactor and hands each to the application.
///
/// The application supplies `makeDelegate`, called once per accepted connection; this type knows
/// nothing of what is spoken on the connection. It enforces the connection limit and survives
/// running out of descriptors (EMFILE) by pausing `accept` for a moment instead of spinning.
public final class TCPServer: ReadinessHandler {
  /// Builds the protocol handler for a new connection.
  public typealias DelegateFactory = (TCPConnection) -> TCPConnectionDelegate

  public let listener: TCPListener
  private unowned let reactor: Reactor
  private let makeDelegate: DelegateFactory
  private let maxConnections: Int
  private var connections: [Int32: TCPConnection] = [:]
  private var accepting = true
  private var listening = true
  private var pausedUntil: Int64 = 0
  private var acceptedSinceTrim = false
  /// Called when the last connection closed after `stop()`.
  public var onIdleAfterStop: (() -> Void)?
  /// Called with a message when accepting fails (EMFILE and the like).
  public var onError: ((SocketError) -> Void)?
  /// With `--trace`: where each connection's trace lines go, and the tag for their numbers.
  public var tracer: ((String) -> Void)?
  /// The cap on connections per client address, shared by every loop; nil for none.
  public var peerLimit: PeerLimit?
  /// What a client over `peerLimit` is told before its connection is closed (the protocol's
  /// "too many connections" message: an HTTP 503 response, an FTP 421 reply).
  public var refusal: () -> [UInt8] = { [] }
  /// For a TLS listener: the secure channel each accepted connection speaks through (set before
  /// anything is read or written, so even a refusal goes out encrypted).
  public var secureChannel: ((TCPConnection) -> SecureChannel?)?
  /// Whether a new connection is read at once, before waiting for epoll to say it is readable:
  /// for protocols in which the client speaks first (HTTP) its request has usually arrived
  /// with the handshake, and a short connection is then served without ever joining the set.
  public var readAtOnce = false
  /// Numbers connections across all servers and loops, so trace labels never repeat.
  private static let connectionNumbers = Atomic<Int>(0)

  /// Registers `listener` with `reactor` and starts accepting.
  public init(
    listener: TCPListener, reactor: Reactor, maxConnections: Int = 10_000,
    makeDelegate: @escaping DelegateFactory
  ) throws(SocketError) {
    self.listener = listener
    self.reactor = reactor
    self.maxConnections = maxConnections
    self.makeDelegate = makeDelegate
    try reactor.register(listener.socket, interest: .readable, handler: self)
  }

  /// How many connections are open.
  public var connectionCount: Int { connections.count }

  public func ready(readable: Bool, writable: Bool) {
    acceptWaiting()
  }

  /// The server recipe's `accept` step, for every connection waiting (up to a batch).
  private func acceptWaiting() {
    for _ in 0..<64 {
      guard listening, accepting else { return }
      if connections.count >= maxConnections {
        setAccepting(false)
        return
      }
      let accepted: (Socket, SocketAddress)?
      do {
        accepted = try listener.accept()
      } catch {
        // Out of descriptors (or similar): the pending connection stays queued, so waiting on
        // the listener would wake us again at once. Pause for a moment instead.
        onError?(error)
        pausedUntil = reactor.now + 100
        setAccepting(false)
        return
      }
      guard let (socket, peer) = accepted else { return }
      do {
        let connection = try TCPConnection(socket: socket, peer: peer, reactor: reactor, registering: false)
        if let tracer {
          let number = Self.connectionNumbers.add(1, ordering: .relaxed).newValue
          let trace = ConnectionTrace(label: "#\(number)", write: tracer)
          trace.event("tcp", "accept: \(peer) → \(connection.local) (a new socket, fd \(socket.descriptor))")
          connection.trace = trace
        }
        if let secureChannel {
          guard let channel = secureChannel(connection) else {
            connection.abort()
            continue
          }
          connection.secure = channel
        }
        let admitted = peerLimit?.admit(peer) ?? true
        let inner = admitted ? makeDelegate(connection) : RefusingDelegate(message: refusal())
        let delegate = ClosingObserver(server: self, inner: inner, counted: admitted && peerLimit != nil)
        connection.delegate = delegate
        connections[socket.descriptor] = connection
        acceptedSinceTrim = true
        delegate.connectionDidOpen(connection)
        connection.start(readingAtOnce: readAtOnce)
      } catch {
        socket.close()
        onError?(error)
      }
    }
  }

  private func setAccepting(_ on: Bool) {
    guard listening, accepting != on else { return }
    accepting = on
    do {
      try reactor.modify(listener.socket, interest: on ? .readable : [])
    } catch {
      onError?(error)
    }
  }

  fileprivate func connectionClosed(_ connection: TCPConnection, counted: Bool) {
    connections[connection.socket.descriptor] = nil
    if counted { peerLimit?.release(connection.peer) }
    if !listening {
      if connections.isEmpty { onIdleAfterStop?() }
    } else if !accepting && pausedUntil == 0 {
      setAccepting(true)
    }
  }

  public func tick(now: Int64) {
    if acceptedSinceTrim && connections.isEmpty {
      // Every connection is gone: give the heap memory they freed back to the system
      // (`malloc_trim`), so that a server that was busy once does not stay large while idle.
      acceptedSinceTrim = false
      malloc_trim(0)
    }
    if pausedUntil > 0 && now >= pausedUntil {
      pausedUntil = 0
      setAccepting(true)
      acceptWaiting()
    }
  }

  /// Stops accepting, closes the listener and asks every connection to finish.
  /// `onIdleAfterStop` runs once the last one has closed.
  public func stop() {
    guard listening else { return }
    listening = false
    reactor.forget(listener.socket)  // close() takes it out of the epoll set
    listener.close()
    if connections.isEmpty {
      onIdleAfterStop?()
      return
    }
    for connection in Array(connections.values) { connection.serverIsStopping() }
  }

  /// Closes every connection at once (the end of a bounded graceful stop).
  public func abortAll() {
    for connection in Array(connections.values) { connection.abort() }
  }

  /// How this server stops within a `ReactorGroup`: stop accepting and let connections finish,
  /// or cut them when the grace period is over. `finally` runs either way (a log flush, say).
  public func stopping(finally: @escaping () -> Void) -> ReactorGroup.Stopping {
    ReactorGroup.Stopping(
      begin: { [self] done in
        onIdleAfterStop = {
          finally()
          done()
        }
        stop()
      },
      force: { [self] in
        abortAll()
        finally()
      })
  }
}

/// Forwards every callback to the protocol's delegate and tells the server when a connection
/// closed, so the server's bookkeeping does not depend on each protocol remembering to.
private final class ClosingObserver: TCPConnectionDelegate {
  unowned let server: TCPServer
  let inner: TCPConnectionDelegate
  /// Whether this connection counts against the per-address limit (and must be released).
  let counted: Bool

  init(server: TCPServer, inner: TCPConnectionDelegate, counted: Bool) {
    self.server = server
    self.inner = inner
    self.counted = counted
  }

  func connectionDidOpen(_ c: TCPConnection) { inner.connectionDidOpen(c) }
  func connectionDidReceive(_ c: TCPConnection) { inner.connectionDidReceive(c) }
  func connectionDidDrain(_ c: TCPConnection) { inner.connectionDidDrain(c) }
  func connectionDidReachEOF(_ c: TCPConnection) { inner.connectionDidReachEOF(c) }
  func connectionDeadlinePassed(_ c: TCPConnection) { inner.connectionDeadlinePassed(c) }
  func connectionShouldFinish(_ c: TCPConnection) { inner.connectionShouldFinish(c) }
  func connectionDidClose(_ c: TCPConnection) {
    inner.connectionDidClose(c)
    server.connectionClosed(c, counted: counted)
  }
}

/// Serves a connection over the per-address limit: says why, then closes calmly (so the
/// message is not lost to a reset), ignoring whatever the client sends.
private final class RefusingDelegate: TCPConnectionDelegate {
  let message: [UInt8]

  init(message: [UInt8]) { self.message = message }

  func connectionDidOpen(_ c: TCPConnection) {
    c.write(message)
    c.closeAfterWrites()
  }
  func connectionDidReceive(_ c: TCPConnection) { c.input.consume(c.input.count) }
  func connectionDidDrain(_ c: TCPConnection) {}
  func connectionDidReachEOF(_ c: TCPConnection) {}
  func connectionDeadlinePassed(_ c: TCPConnection) { c.abort() }
  func connectionShouldFinish(_ c: TCPConnection) {}
  func connectionDidClose(_ c: TCPConnection) {}
}
