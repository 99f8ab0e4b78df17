/// Bytes received but not yet consumed by the protocol above.
///
/// One growable array with a read index: `recv` appends at the end, the parser consumes from the
/// front, and the space is reused once everything was consumed, so a busy keep-alive connection
/// allocates its buffer once. The storage is allocated at the first `recv`, and an idle
/// connection gives it back (`releaseIfEmpty`), so thousands of silent connections cost little.
public struct InputBuffer {
  private var storage: [UInt8] = []
  private var start = 0
  private var end = 0

  public init() {}

  /// How many bytes of storage are allocated.
  public var capacity: Int { storage.count }

  /// Frees the storage if nothing is waiting in it; the next `recv` allocates afresh.
  public mutating func releaseIfEmpty() {
    guard start == end, !storage.isEmpty else { return }
    storage = []
    start = 0
    end = 0
  }

  /// How many unconsumed bytes there are.
  public var count: Int { end - start }
  public var isEmpty: Bool { start == end }

  /// Calls `body` with the unconsumed bytes.
  public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
  }

  /// The unconsumed bytes as an array (a copy; for tests and slow paths).
  public var bytes: [UInt8] { Array(storage[start..<end]) }

  /// Drops `n` bytes from the front.
  public mutating func consume(_ n: Int) {
    start += min(n, count)
    if start == end {
      start = 0
      end = 0
    }
  }

  /// Lets `body` write up to the free space at the end, growing to at least `minimumSpace`.
  /// `body` returns how many bytes it wrote, or a negative value for none.
  public mutating func append(minimumSpace: Int, _ body: (UnsafeMutableRawBufferPointer) -> Int) -> Int {
    if storage.count - end < minimumSpace {
      if start > 0 {
        storage.withUnsafeMutableBytes { raw in
          raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[start..<end]))
        }
        end -= start
        start = 0
      }
      if storage.count - end < minimumSpace {
        storage.append(contentsOf: repeatElement(0, count: minimumSpace - (storage.count - end)))
      }
    }
    let written = storage.withUnsafeMutableBytes { raw in
      body(UnsafeMutableRawBufferPointer(rebasing: raw[end...]))
    }
    if written > 0 { end += written }
    return written
  }
}
