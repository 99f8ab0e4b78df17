/// Caps how many connections one client address may hold at once, across every event loop.
///
/// One client that opens thousands of connections (or FTP sessions) should not crowd out the
/// others; a per-address cap stops that without limiting anyone else. It is shared by all loops,
/// so it takes a lock — but only at `accept` and at close, never on the per-request path.
public final class PeerLimit: @unchecked Sendable {
  /// Connections allowed per client address.
  public let perAddress: Int
  /// Open connections by client address (`SocketAddress.host`: no port, IPv4-mapped shown as
  /// IPv4), guarded by a pthread mutex (which ThreadSanitizer understands).
  private var open: [String: Int] = [:]
  private let lock = Mutex()

  /// `perAddress` must be at least 1.
  public init(perAddress: Int) {
    precondition(perAddress >= 1)
    self.perAddress = perAddress
  }

  /// Counts a new connection from `peer`; false (and nothing counted) if it would exceed the cap.
  public func admit(_ peer: SocketAddress) -> Bool {
    let key = peer.host
    return lock.withLock {
      let count = open[key, default: 0]
      guard count < perAddress else { return false }
      open[key] = count + 1
      return true
    }
  }

  /// Forgets one connection from `peer` (it closed).
  public func release(_ peer: SocketAddress) {
    let key = peer.host
    lock.withLock {
      let count = open[key, default: 0]
      open[key] = count > 1 ? count - 1 : nil
    }
  }
}
