/// A layer between the socket and the application protocol that rewrites the bytes both ways:
/// TLS. The connection still does every `recv` and `send`; the channel only turns ciphertext
/// into plaintext and back, so it can be driven by unit tests without a socket.
///
/// Transport knows this shape and nothing of TLS itself (the TLS target implements it with
/// OpenSSL's memory BIOs).
public protocol SecureChannel: AnyObject {
  /// Takes ciphertext received from the peer and appends the plaintext it yields to
  /// `plaintext`. Returns false once the peer has closed its side (close_notify).
  func open(_ ciphertext: UnsafeRawBufferPointer, into plaintext: inout InputBuffer) throws(SecureChannelError) -> Bool
  /// Encrypts from `plaintext`; returns how many bytes it took (none until the handshake is
  /// done). The records wait in `pendingCount` until sent.
  func seal(_ plaintext: UnsafeRawBufferPointer) throws(SecureChannelError) -> Int
  /// Ciphertext waiting to be sent: handshake messages, records, alerts.
  var pendingCount: Int { get }
  /// Offers the waiting ciphertext to `send`, which returns how many bytes the socket took
  /// (0 when it would block, negative after an error); those bytes are then dropped.
  func sendPending(_ send: (UnsafeRawBufferPointer) -> Int) -> Int
  /// Queues our closing alert (close_notify) after everything sealed so far.
  func close()
  /// Whether the handshake is complete.
  var isEstablished: Bool { get }
  /// How long the handshake may take, in milliseconds, before the connection is cut.
  var handshakeTimeout: Int64 { get }
}

/// Why a secure channel failed: the peer's bytes were not what the protocol allows (garbage in
/// place of a ClientHello, a record too large, a failed handshake). The connection ends.
public struct SecureChannelError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}
