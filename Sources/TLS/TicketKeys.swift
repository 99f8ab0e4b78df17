import COpenSSL
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The keys that seal session tickets (RFC 5077 §4's layout: a 16-byte name, AES-256 and
/// HMAC-SHA256 keys), shared by every context so a ticket survives a certificate reload.
///
/// A new key is made every `rotation`; the one before it still opens tickets (the client gets a
/// fresh one), older ones are forgotten, so a stolen key exposes at most two periods of
/// sessions. OpenSSL's own key would live as long as the context, unrotated.
struct TicketKeyRing {
  struct Key {
    var name: [UInt8]
    var aes: [UInt8]
    var hmac: [UInt8]
    var created: Int64
  }

  static let rotation: Int64 = 6 * 3600
  /// Newest first; at most two.
  private(set) var keys: [Key] = []

  /// The key for new tickets, made or rotated as needed.
  mutating func current(now: Int64) -> Key {
    if let newest = keys.first, now - newest.created < Self.rotation, now >= newest.created { return newest }
    let key = Key(name: Self.random(16), aes: Self.random(32), hmac: Self.random(32), created: now)
    keys = Array(([key] + keys).prefix(2))
    return key
  }

  /// The key a ticket names, if it is still kept, and whether it is the newest.
  func find(_ name: [UInt8]) -> (key: Key, newest: Bool)? {
    keys.firstIndex { $0.name == name }.map { (keys[$0], $0 == 0) }
  }

  static func random(_ count: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    _ = RAND_bytes(&bytes, Int32(count))
    return bytes
  }
}

/// The one ring every TLS context shares.
enum TicketKeys {
  static let shared = Synchronization.Mutex(TicketKeyRing())
}

/// OpenSSL's ticket callback: seal a new ticket with the current key (`encrypt` 1), or find the
/// key of a ticket presented (0): 1 accepts it, 2 accepts it and asks for a renewal under the
/// newest key, 0 refuses (a full handshake), -1 fails.
let ticketKeyCallback:
  @convention(c) (
    OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, OpaquePointer?, OpaquePointer?, Int32
  ) -> Int32 = { _, name, iv, cipher, mac, encrypt in
    guard let name, let iv else { return -1 }
    if encrypt == 1 {
      let key = TicketKeys.shared.withLock { $0.current(now: Int64(time(nil))) }
      name.update(from: key.name, count: 16)
      guard RAND_bytes(iv, 16) == 1 else { return -1 }
      return barenet_ticket_crypt(cipher, mac, key.aes, key.hmac, iv, 1)
    }
    let wanted = Array(UnsafeBufferPointer(start: name, count: 16))
    guard let (key, newest) = TicketKeys.shared.withLock({ $0.find(wanted) }) else { return 0 }
    guard barenet_ticket_crypt(cipher, mac, key.aes, key.hmac, iv, 0) == 1 else { return -1 }
    return newest ? 1 : 2
  }
