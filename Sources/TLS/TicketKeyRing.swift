import COpenSSL
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The key that seals session tickets (a 16-byte name, HMAC-SHA256 and AES-256 keys: the
/// layout OpenSSL takes), shared by every context so a ticket survives a certificate reload, and
/// replaced every `rotation` so a stolen key opens at most one period of sessions.
///
/// OpenSSL seals tickets with it itself: a ticket callback of our own, which would let the
/// previous key still open old tickets, cost 16% of the full-handshake rate (every ticket then
/// fetches its cipher and digest by name). After a rotation a client's old ticket is refused
/// and it makes one full handshake.
struct TicketKeyRing {
  struct Key: Equatable {
    var name: [UInt8]
    var hmac: [UInt8]
    var aes: [UInt8]
    var created: Int64

    /// The 80 bytes SSL_CTX_set_tlsext_ticket_keys takes: name, HMAC key, AES key.
    var openSSLLayout: [UInt8] { name + hmac + aes }
  }

  static let rotation: Int64 = 6 * 3600
  private(set) var key: Key?

  /// The key for new tickets, made or rotated as needed.
  mutating func current(now: Int64) -> Key {
    if let key, now - key.created < Self.rotation, now >= key.created { return key }
    let fresh = Key(name: Self.random(16), hmac: Self.random(32), aes: Self.random(32), created: now)
    key = fresh
    return fresh
  }

  static func random(_ count: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    _ = RAND_bytes(&bytes, Int32(count))
    return bytes
  }

  /// The one ring every TLS context shares.
  static let shared = Mutex(TicketKeyRing())

  static func currentKey(now: Int64 = Int64(time(nil))) -> Key {
    shared.withLock { $0.current(now: now) }
  }
}
