import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// An outgoing TCP connection being set up without blocking the loop: `socket`, `connect`,
/// wait until the socket is writable, read the outcome with `SO_ERROR`.
///
/// FTP's active mode uses it for data connections (the server connects to the client).
public final class TCPConnector: ReadinessHandler {
  public typealias Completion = (Result<TCPConnection, SocketError>) -> Void

  private let socket: Socket
  private let peer: SocketAddress
  private unowned let reactor: Reactor
  private let deadline: Int64
  private var completion: Completion?

  /// Connects to `address`, calling `completion` on the loop with the connection or the error.
  /// Gives up with ETIMEDOUT after `timeoutMilliseconds`.
  @discardableResult
  public static func connect(
    to address: SocketAddress, reactor: Reactor, timeoutMilliseconds: Int64 = 10_000,
    completion: @escaping Completion
  ) -> TCPConnector? {
    let socket: Socket
    do {
      socket = try Socket.open(family: address.family, type: Int32(SOCK_STREAM.rawValue))
    } catch {
      completion(.failure(error))
      return nil
    }
    let connector = TCPConnector(socket, address, reactor, reactor.now + timeoutMilliseconds, completion)
    do throws(SocketError) {
      if try socket.connect(to: address) {
        connector.finish(error: 0)
        return nil
      }
      try reactor.register(socket, interest: .writable, handler: connector)
      return connector
    } catch {
      connector.completion = nil
      socket.close()
      completion(.failure(error))
      return nil
    }
  }

  private init(
    _ socket: Socket, _ peer: SocketAddress, _ reactor: Reactor, _ deadline: Int64, _ completion: @escaping Completion
  ) {
    self.socket = socket
    self.peer = peer
    self.reactor = reactor
    self.deadline = deadline
    self.completion = completion
  }

  /// Abandons the attempt (closing the socket) without calling the completion.
  public func cancel() {
    guard completion != nil else { return }
    completion = nil
    reactor.forget(socket)  // close() takes it out of the epoll set
    socket.close()
  }

  /// The connect finished (or failed): the socket leaves the set, to join it again as a
  /// `TCPConnection`.
  public func ready(readable: Bool, writable: Bool) {
    do {
      try reactor.unregister(socket)
      finish(error: socket.pendingError())
    } catch {
      finish(error: error.errno)
    }
  }

  public func tick(now: Int64) {
    if now >= deadline && completion != nil {
      reactor.forget(socket)  // finish closes it, which takes it out of the epoll set
      finish(error: ETIMEDOUT)
    }
  }

  private func finish(error: Int32) {
    guard let completion else { return }
    self.completion = nil
    if error != 0 {
      socket.close()
      completion(.failure(SocketError("connect", errno: error)))
      return
    }
    try? socket.setOption(level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
    do throws(SocketError) {
      completion(.success(try TCPConnection(socket: socket, peer: peer, reactor: reactor)))
    } catch {
      socket.close()
      completion(.failure(error))
    }
  }
}
