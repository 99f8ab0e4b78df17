#if canImport(Glibc)
  import Glibc
#endif

/// The end of a connection: the calm close (`shutdown`, drain, `close`), an abort, and telling
/// the application the server is stopping.
extension TCPConnection {
  /// Closes calmly once everything queued is sent: `shutdown(SHUT_WR)` (the peer reads EOF after
  /// our last byte), read and discard until the peer closes too or the linger bound passes, then
  /// `close()`. Closing straight away could make the kernel answer unread input with a reset that
  /// destroys our response in flight (RFC 9112 §9.6).
  public func closeAfterWrites() {
    guard isOpen else { return }
    closeWhenDrained = true
    if secure != nil {
      flush()  // sends what is sealed, then our close_notify, then lingers
    } else if output.isEmpty {
      beginLinger()
    }
  }

  func beginLinger() {
    guard case .open = state else { return }
    if reachedEOF {
      close()
      return
    }
    do {
      _ = try systemCall("shutdown") { shutdown(socket.descriptor, Int32(SHUT_WR)) }
    } catch {
      // The peer is already gone (ENOTCONN): nothing is left to drain.
      trace?.event("tcp", "\(error)")
      close()
      return
    }
    trace?.event("tcp", "shutdown(SHUT_WR): our side is done sending; draining until the peer closes")
    state = .lingering(until: reactor.now + Self.lingerMilliseconds)
    readingPaused = false
    updateInterest()
  }

  /// Closes at once (`close()`), dropping anything queued. For errors and timeouts.
  public func abort() {
    close()
  }

  func close() {
    if case .closed = state { return }
    state = .closed
    // close() takes the descriptor out of the epoll set itself (it is never duplicated).
    reactor.forget(socket)
    socket.close()
    trace?.event("tcp", "close after \(reactor.now - openedAt)ms: \(bytesReceived) bytes in, \(bytesSent) bytes out")
    output.removeAll()
    let delegate = self.delegate
    self.delegate = nil
    delegate?.connectionDidClose(self)
  }

  /// Tells the delegate the server is stopping.
  public func serverIsStopping() {
    if case .open = state { delegate?.connectionShouldFinish(self) }
  }
}
