import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// A passive-mode listener (PASV/EPSV): waits for the one data connection of the next transfer.
///
/// Only a connection from the control connection's own peer is taken; any other is closed at
/// once, so nobody can steal the transfer by racing to the port (RFC 2577 §5).
final class PassiveListener: ReadinessHandler {
  let listener: TCPListener
  private let expectedPeer: SocketAddress
  private unowned let reactor: Reactor
  private var accepted: TCPConnection?
  private var waiting: ((TCPConnection) -> Void)?
  private var open = true

  /// Binds a listener on `local`'s address with a port from `ports` (any free port when nil).
  static func open(
    on local: SocketAddress, ports: ClosedRange<UInt16>?, expecting peer: SocketAddress, reactor: Reactor
  ) -> PassiveListener? {
    let address = local.unmappedIPv4 ?? local
    var candidates: [UInt16] = [0]
    if let ports {
      let start = Int.random(in: 0..<ports.count)
      candidates = (0..<ports.count).map { ports.lowerBound + UInt16((start + $0) % ports.count) }
    }
    for port in candidates {
      guard let listener = try? TCPListener(address: address.with(port: port), backlog: 4) else { continue }
      let passive = PassiveListener(listener, peer, reactor)
      do {
        try reactor.register(listener.socket, interest: .readable, handler: passive)
        return passive
      } catch {
        listener.close()
        return nil
      }
    }
    return nil
  }

  private init(_ listener: TCPListener, _ peer: SocketAddress, _ reactor: Reactor) {
    self.listener = listener
    self.expectedPeer = peer
    self.reactor = reactor
  }

  /// Hands over the data connection as soon as it is there (maybe at once).
  func whenConnected(_ handler: @escaping (TCPConnection) -> Void) {
    if let accepted {
      self.accepted = nil
      handler(accepted)
    } else {
      waiting = handler
    }
  }

  func ready(readable: Bool, writable: Bool) {
    while open, let (socket, peer) = (try? listener.accept()) ?? nil {
      guard peer.sameHost(as: expectedPeer) else {
        socket.close()  // someone else raced for the port
        continue
      }
      stopListening()
      guard let connection = try? TCPConnection(socket: socket, peer: peer, reactor: reactor) else {
        socket.close()
        return
      }
      if let waiting {
        self.waiting = nil
        waiting(connection)
      } else {
        accepted = connection
      }
    }
  }

  private func stopListening() {
    guard open else { return }
    open = false
    reactor.forget(listener.socket)  // close() takes it out of the epoll set
    listener.close()
  }

  /// Closes the listener and any connection accepted but not used.
  func close() {
    stopListening()
    waiting = nil
    accepted?.abort()
    accepted = nil
  }
}
