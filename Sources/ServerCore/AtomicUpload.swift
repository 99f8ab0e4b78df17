#if canImport(Glibc)
  import Glibc
#endif

/// A file being uploaded: the data goes to a hidden temporary file in the destination's folder
/// and replaces the destination with one `rename` only when the upload completes.
///
/// Readers therefore see the old file or the whole new one, never half of it; an upload that
/// fails or is abandoned leaves the old file intact and no debris (the temporary file is removed
/// at the latest when this object goes away).
public final class AtomicUpload {
  /// Where the file will appear.
  public let destination: String
  /// The temporary file's path.
  public let temporaryPath: String
  private var descriptor: Int32
  private var finished = false
  /// Bytes written so far (including any copied from an existing file).
  public private(set) var size = 0

  /// Why an upload (or another change to the served folder) could not start or finish: the
  /// step and its errno.
  public struct Failure: Error, CustomStringConvertible {
    public let errno: Int32
    public let what: String
    public var description: String { "\(what): \(String(cString: strerror(errno)))" }
    /// The disk or the quota is full (507 over HTTP, 552 over FTP).
    public var isFull: Bool { errno == ENOSPC || errno == EDQUOT }

    public init(errno: Int32, what: String) {
      self.errno = errno
      self.what = what
    }
  }

  /// Creates the temporary file beside `destination` (`mkstemp`). With `keepingFirst` n, the
  /// first n bytes of the existing destination are copied in first (resume, append).
  public init(destination: String, keepingFirst prefix: Int = 0) throws(Failure) {
    self.destination = destination
    let folder = destination.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    var template = Array("\(folder)/.barenet-upload-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw Failure(errno: errno, what: "create a temporary file") }
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    descriptor = fd
    temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    fchmod(fd, 0o644)
    if prefix > 0 {
      let source = open(destination, O_RDONLY | O_CLOEXEC)
      guard source >= 0 else {
        let e = errno
        discard()
        throw Failure(errno: e, what: "open the existing file")
      }
      defer { close(source) }
      var buffer = [UInt8](repeating: 0, count: 65536)
      while size < prefix {
        let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, min($0.count, prefix - size)) }
        if n <= 0 {
          discard()
          throw Failure(errno: n == 0 ? EINVAL : errno, what: "copy the existing file")
        }
        guard write(buffer[0..<n]) else {
          let e = errno
          discard()
          throw Failure(errno: e, what: "copy the existing file")
        }
      }
    }
  }

  deinit { discard() }

  /// Appends bytes; false on a write error (a full disk, say).
  public func write(_ bytes: some Collection<UInt8>) -> Bool {
    guard !finished else { return false }
    let ok = bytes.withContiguousStorageIfAvailable { raw -> Bool in
      var offset = 0
      while offset < raw.count {
        let n = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          return false
        }
        offset += n
      }
      return true
    }
    if let ok {
      if ok { size += bytes.count }
      return ok
    }
    return write(Array(bytes))
  }

  /// Closes the temporary file and renames it onto the destination.
  public func commit() throws(Failure) {
    guard !finished else { throw Failure(errno: EINVAL, what: "finish the upload") }
    finished = true
    let closed = close(descriptor) == 0
    descriptor = -1
    guard closed else {
      let e = errno
      unlink(temporaryPath)
      throw Failure(errno: e, what: "write the file")
    }
    guard rename(temporaryPath, destination) == 0 else {
      let e = errno
      unlink(temporaryPath)
      throw Failure(errno: e, what: "move the file into place")
    }
  }

  /// Abandons the upload: the temporary file is removed, the destination untouched.
  public func discard() {
    guard !finished else { return }
    finished = true
    close(descriptor)
    descriptor = -1
    unlink(temporaryPath)
  }
}
