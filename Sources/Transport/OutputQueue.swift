#if canImport(Glibc)
  import Glibc
#endif

/// The bytes a connection still has to send, in order: runs of bytes (sent together by one
/// `writev`), ranges of open files (sent by `sendfile`), and sources asked for more only when
/// everything before them has gone. No system call happens here, so tests drive it directly.
///
/// Sent chunks are released at once (their storage or file descriptor freed) and the array is
/// compacted now and then rather than shifted on every send.
struct OutputQueue {
  enum Chunk {
    case bytes([UInt8])
    case file(OpenFile, offset: Int, length: Int)
    case source(OutputSource)
  }

  /// What to send next.
  enum Front {
    case empty
    /// A run of byte chunks, and whether a file's bytes come right after them.
    case bytes(fileFollows: Bool)
    /// The rest of a file range at the front.
    case file(OpenFile, offset: Int, length: Int)
    /// A source to ask for its next pieces (`expandFront`).
    case source(OutputSource)
  }

  /// The most byte chunks one `writev` takes.
  static let maximumGather = 64

  private(set) var chunks: [Chunk] = []
  private var head = 0
  /// How far into the front chunk has already been sent.
  private var headOffset = 0
  /// Bytes queued and not yet sent (a source's bytes count once it has produced them).
  private(set) var byteCount = 0

  var isEmpty: Bool { head == chunks.count }

  mutating func append(_ bytes: [UInt8]) {
    guard !bytes.isEmpty else { return }
    chunks.append(.bytes(bytes))
    byteCount += bytes.count
  }

  mutating func append(file: OpenFile, offset: Int, length: Int) {
    guard length > 0 else { return }
    chunks.append(.file(file, offset: offset, length: length))
    byteCount += length
  }

  mutating func append(source: OutputSource) {
    chunks.append(.source(source))
  }

  var front: Front {
    guard head < chunks.count else { return .empty }
    switch chunks[head] {
    case .bytes:
      var end = head
      while end < chunks.count, end - head < Self.maximumGather, case .bytes = chunks[end] { end += 1 }
      if end < chunks.count, case .file = chunks[end] { return .bytes(fileFollows: true) }
      return .bytes(fileFollows: false)
    case .file(let file, let offset, let length):
      return .file(file, offset: offset + headOffset, length: length - headOffset)
    case .source(let source):
      return .source(source)
    }
  }

  /// Calls `body` with an `iovec` for each byte chunk of the run at the front (at most
  /// `maximumGather`), the first one past what was already sent. Each chunk's storage is pinned
  /// by a nested `withUnsafeBytes`, so every pointer stays valid for the whole call.
  func withGatheredBytes<R>(_ body: (UnsafeMutableBufferPointer<iovec>) -> R) -> R {
    var end = head
    while end < chunks.count, end - head < Self.maximumGather, case .bytes = chunks[end] { end += 1 }
    let count = end - head
    return withUnsafeTemporaryAllocation(of: iovec.self, capacity: count) { vectors in
      func pin(_ index: Int) -> R {
        guard index < end, case .bytes(let bytes) = chunks[index] else { return body(vectors) }
        return bytes.withUnsafeBytes { raw in
          let skip = index == head ? headOffset : 0
          vectors[index - head] = iovec(
            iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress! + skip), iov_len: raw.count - skip)
          return pin(index + 1)
        }
      }
      return pin(head)
    }
  }

  /// Moves past `n` sent bytes, releasing each chunk sent whole.
  mutating func advance(by n: Int) {
    byteCount -= n
    var remaining = n
    while remaining > 0, head < chunks.count {
      let length: Int
      switch chunks[head] {
      case .bytes(let b): length = b.count
      case .file(_, _, let l): length = l
      case .source: return  // sent bytes never reach past a source not yet asked
      }
      let left = length - headOffset
      if remaining >= left {
        remaining -= left
        chunks[head] = .bytes([])  // release the storage or file now
        head += 1
        headOffset = 0
      } else {
        headOffset += remaining
        remaining = 0
      }
    }
    compact()
  }

  /// Puts the front source's next pieces in front of it, or drops it when it has no more
  /// (`pieces` nil or empty, as `OutputSource` promises).
  mutating func expandFront(with pieces: [OutputPiece]?) {
    guard let pieces, !pieces.isEmpty else {
      chunks[head] = .bytes([])
      head += 1
      compact()
      return
    }
    var produced: [Chunk] = []
    for piece in pieces {
      switch piece {
      case .bytes(let b) where !b.isEmpty:
        produced.append(.bytes(b))
        byteCount += b.count
      case .file(let file, let offset, let length) where length > 0:
        produced.append(.file(file, offset: offset, length: length))
        byteCount += length
      default:
        continue
      }
    }
    chunks.insert(contentsOf: produced, at: head)
  }

  /// Forgets everything queued (the connection closed).
  mutating func removeAll() {
    chunks.removeAll()
    head = 0
    headOffset = 0
    byteCount = 0
  }

  /// Gives back the slots of sent chunks: all of them once the queue is empty (keeping the
  /// capacity), or in one move once enough have piled up in front.
  private mutating func compact() {
    if head == chunks.count {
      chunks.removeAll(keepingCapacity: true)
      head = 0
    } else if head > 32 {
      chunks.removeFirst(head)
      head = 0
    }
  }
}
