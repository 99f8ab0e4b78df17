import CZlib
import Transport

/// zlib's deflate as a stream (gzip wrapper): bytes in as they come, compressed bytes out, so a
/// body of any size is compressed in constant memory.
final class GzipStream {
  private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
  private var open = false

  init?(level: Int32 = 6) {
    stream.initialize(to: z_stream())
    // windowBits 15 + 16 selects the gzip wrapper.
    guard barenet_deflateInit2(stream, level, 15 + 16) == Z_OK else {
      stream.deallocate()
      return nil
    }
    open = true
  }

  deinit {
    if open { deflateEnd(stream) }
    stream.deallocate()
  }

  /// Compresses `input`; with `finish`, ends the gzip stream (its trailer follows).
  func compress(_ input: [UInt8], finish: Bool = false) -> [UInt8] {
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    input.withUnsafeBytes { raw in
      stream.pointee.next_in = UnsafeMutablePointer(mutating: raw.bindMemory(to: Bytef.self).baseAddress)
      stream.pointee.avail_in = uInt(raw.count)
      repeat {
        let produced = chunk.withUnsafeMutableBytes { out -> Int in
          stream.pointee.next_out = out.bindMemory(to: Bytef.self).baseAddress
          stream.pointee.avail_out = uInt(out.count)
          deflate(stream, finish ? Z_FINISH : Z_NO_FLUSH)
          return out.count - Int(stream.pointee.avail_out)
        }
        output += chunk[0..<produced]
      } while stream.pointee.avail_out == 0 || (finish && stream.pointee.avail_in > 0)
    }
    return output
  }
}

/// A folder archive through gzip (`?download=tar.gz`): the tar's pieces, file contents read in
/// 64 KiB steps, compressed as the connection drains. Its length is not known in advance.
final class GzipSource: OutputSource {
  private let inner: OutputSource
  private let gzip: GzipStream
  /// Pieces taken from the archive and not yet compressed, in order.
  private var waiting: [OutputPiece] = []
  private var done = false

  init?(_ inner: OutputSource) {
    guard let gzip = GzipStream() else { return nil }
    self.inner = inner
    self.gzip = gzip
  }

  func nextPieces() throws -> [OutputPiece]? {
    if done { return nil }
    if waiting.isEmpty {
      guard let pieces = try inner.nextPieces() else {
        done = true
        return [.bytes(gzip.compress([], finish: true))]
      }
      waiting = pieces
      if waiting.isEmpty { return [] }
    }
    switch waiting.removeFirst() {
    case .bytes(let bytes):
      return [.bytes(gzip.compress(bytes))]
    case .file(let file, let offset, let length):
      let count = min(length, 64 * 1024)
      guard let bytes = file.read(offset: offset, length: count), bytes.count == count else {
        throw ArchiveChanged(description: "a file shrank while the folder was compressed")
      }
      if length > count { waiting.insert(.file(file, offset: offset + count, length: length - count), at: 0) }
      return [.bytes(gzip.compress(bytes))]
    }
  }
}
