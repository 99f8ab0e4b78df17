import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// An open file descriptor for a file being sent, closed when the last reference goes.
///
/// Responses queue file bodies by reference; tying the descriptor's life to the object means an
/// aborted connection can never leak one.
public final class OpenFile {
  /// The descriptor, opened read-only.
  public let descriptor: Int32

  /// Opens `path` read-only (`open(O_RDONLY | O_CLOEXEC)`); nil when it cannot be opened.
  public init?(path: String) {
    let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    descriptor = fd
  }

  /// Takes ownership of a descriptor the caller opened.
  public init(adopting descriptor: Int32) {
    self.descriptor = descriptor
  }

  deinit {
    // A file opened for reading: close cannot lose data, and the descriptor is released
    // whatever it returns (see `Socket.close`).
    Glibc.close(descriptor)
  }

  /// The file's status (`fstat`), taken on the open descriptor so it matches what is sent.
  public func status() -> stat? {
    var info = stat()
    return fstat(descriptor, &info) == 0 ? info : nil
  }

  /// Reads `length` bytes at `offset` (`pread`); nil on error, fewer bytes if the file shrank.
  public func read(offset: Int, length: Int) -> [UInt8]? {
    var result = [UInt8](repeating: 0, count: length)
    var done = 0
    while done < length {
      let n = result.withUnsafeMutableBytes { raw in
        pread(descriptor, raw.baseAddress! + done, length - done, off_t(offset + done))
      }
      if n < 0 {
        if errno == EINTR { continue }
        return nil
      }
      if n == 0 { break }
      done += n
    }
    if done < length { result.removeLast(length - done) }
    return result
  }
}
