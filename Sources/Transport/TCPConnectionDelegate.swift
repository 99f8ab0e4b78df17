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
