import Transport

/// WebDAV write locks (RFC 4918 §6, §7), kept in memory and shared by every event loop: a lock
/// taken through one connection must hold against requests on any other. Locks are lost on
/// restart (the README says so), expire at their timeout, and are bounded in number so that a
/// client cannot make the table grow without limit.
public final class LockTable: @unchecked Sendable {
  /// One granted lock.
  public struct Lock: Equatable, Sendable {
    /// "opaquelocktoken:" followed by a random UUID.
    public let token: String
    /// The locked resource, as decoded segments below the root.
    public let root: [String]
    public let exclusive: Bool
    /// Depth infinity: the lock covers everything below a collection too.
    public let deep: Bool
    /// The owner element's content, as XML, returned as the client gave it.
    public let owner: String
    /// Who took it, with `--auth`; nil when anyone may use the token.
    public let principal: String?
    /// Seconds granted, and when the lock lapses (monotonic milliseconds).
    public internal(set) var seconds: Int
    public internal(set) var expires: Int64

    /// Whether this lock covers the resource at `path`: it is the root, or a deep lock above it.
    public func covers(_ path: [String]) -> Bool {
      path == root || (deep && path.count > root.count && path.starts(with: root))
    }
  }

  /// The most locks held at once by default (a LOCK beyond it gets 503).
  public static let defaultCapacity = 10_000
  public let capacity: Int
  /// The longest lifetime granted, and the one given when a client asks for none or Infinite.
  public static let maximumSeconds = 86_400
  public static let defaultSeconds = 3_600

  private let mutex = Mutex()
  private var locks: [String: Lock] = [:]

  public init(capacity: Int = LockTable.defaultCapacity) {
    self.capacity = capacity
  }

  /// The locks that cover `path` (on it, or deep on a folder above it).
  public func covering(_ path: [String]) -> [Lock] {
    withLocks { $0.values.filter { $0.covers(path) } }
  }

  /// The locks on `path` or anywhere below it: what a deep lock, DELETE or MOVE of a folder
  /// would have to respect.
  public func within(_ path: [String]) -> [Lock] {
    withLocks { $0.values.filter { $0.root.starts(with: path) } }
  }

  /// The lock with `token`, if it is current.
  public func lock(_ token: String) -> Lock? {
    withLocks { $0[token] }
  }

  /// Why a new lock cannot be granted.
  public enum Refusal: Error, Equatable {
    /// Another lock is in the way (423); the root of the one in the way.
    case conflict([String])
    /// The table is full (503).
    case full
  }

  /// Grants a lock unless one in the way conflicts: an exclusive lock conflicts with any other
  /// on the same resources, a shared one with an exclusive one (RFC 4918 §6.1).
  public func acquire(
    _ path: [String], exclusive: Bool, deep: Bool, owner: String, principal: String?, seconds: Int, now: Int64
  ) -> Result<Lock, Refusal> {
    mutex.withLock { () -> Result<Lock, Refusal> in
      expire(now: now)
      let overlapping = locks.values.filter { $0.covers(path) || (deep && $0.root.starts(with: path)) }
      if let other = overlapping.first(where: { exclusive || $0.exclusive }) { return .failure(.conflict(other.root)) }
      guard locks.count < capacity else { return .failure(.full) }
      let lock = Lock(
        token: "opaquelocktoken:" + Self.uuid(), root: path, exclusive: exclusive, deep: deep, owner: owner,
        principal: principal, seconds: seconds, expires: now + Int64(seconds) * 1000)
      locks[lock.token] = lock
      return .success(lock)
    }
  }

  /// Gives a current lock a new lifetime (a LOCK refresh); nil if the token names none.
  public func refresh(_ token: String, seconds: Int, now: Int64) -> Lock? {
    mutex.withLock { () -> Lock? in
      expire(now: now)
      guard var lock = locks[token] else { return nil }
      lock.seconds = seconds
      lock.expires = now + Int64(seconds) * 1000
      locks[token] = lock
      return lock
    }
  }

  /// Removes the lock with `token`; false if there is none.
  @discardableResult
  public func release(_ token: String) -> Bool {
    withLocks { $0.removeValue(forKey: token) != nil }
  }

  /// Removes every lock on `path` or below (its resources were deleted or moved away).
  public func releaseAll(within path: [String]) {
    mutex.withLock { locks = locks.filter { !$0.value.root.starts(with: path) } }
  }

  /// The lifetime a `Timeout` field asks for (RFC 4918 §10.7: "Second-N" or "Infinite", in order
  /// of preference), within the bounds above.
  public static func seconds(_ timeout: String?) -> Int {
    for option in (timeout ?? "").split(separator: ",") {
      let value = option.trimmingSpaces
      if value.lowercased().hasPrefix("second-"), let n = Int(value.dropFirst(7)), n > 0 {
        return min(n, maximumSeconds)
      }
      if value.lowercased() == "infinite" { return maximumSeconds }
    }
    return defaultSeconds
  }

  private func withLocks<T>(_ body: (inout [String: Lock]) -> T) -> T {
    mutex.withLock {
      expire(now: MonotonicClock.milliseconds())
      return body(&locks)
    }
  }

  private func expire(now: Int64) {
    if locks.values.contains(where: { $0.expires <= now }) { locks = locks.filter { $0.value.expires > now } }
  }

  /// A random (version 4) UUID from the system's secure source.
  static func uuid() -> String {
    var g = SystemRandomNumberGenerator()
    var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
    bytes[6] = bytes[6] & 0x0F | 0x40
    bytes[8] = bytes[8] & 0x3F | 0x80
    let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
    return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
  }
}
