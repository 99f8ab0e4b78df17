import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// Maps a client's path onto the served folder, so that nothing outside it is ever reached.
///
/// Shared by HTTP and FTP. Two checks, because each alone has gaps. First the text: `.` and `..`
/// are removed (never above the root), NUL and separators inside a name are refused, dotfiles
/// are hidden unless allowed. Then the file system: the opened file's real path (every symlink
/// followed) must still lie inside the root's own real path.
public struct PathResolver: Sendable {
  /// The served folder's real path, without a trailing slash.
  public let root: String
  /// Whether names starting with "." may be served.
  public let allowDotfiles: Bool

  /// Why a path was refused.
  public enum Refusal: Error, Equatable {
    /// Malformed: a bad escape, NUL, "/" inside a name, invalid UTF-8, or a ".." that climbs
    /// above the root (a bad request, as nginx answers it, never a request for the root).
    case malformed
    /// Hidden (a dotfile) or absent: answered 404, so hidden names are not confirmed.
    case notFound
    /// Resolves outside the root through a symlink.
    case outside
    /// The server is out of descriptors or memory for now (EMFILE, ENFILE, ENOMEM): answered
    /// as a temporary failure, never as "not found".
    case unavailable
  }

  /// The root with a final "/", the prefix every path inside it starts with.
  private let rootPrefix: [UInt8]

  public init(root: String, allowDotfiles: Bool) {
    self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    rootPrefix = Array((self.root == "/" ? "/" : self.root + "/").utf8)
    self.allowDotfiles = allowDotfiles
  }

  /// Removes "." and ".." from already-decoded segments (RFC 3986 §5.2.4) and refuses names
  /// that can never be served: empty, containing "/" or NUL, or hidden (a leading ".") unless
  /// dotfiles are allowed. A ".." at the root is refused as malformed: RFC 3986 would clamp it,
  /// but a client that climbs above the root means some other place, and serving or writing
  /// the root instead would answer a question that was not asked.
  public func normalize<S: Sequence>(_ raw: S) throws(Refusal) -> [String] where S.Element == String {
    var result: [String] = []
    for segment in raw {
      switch segment {
      case "", ".": continue
      case "..":
        if result.isEmpty { throw .malformed }
        result.removeLast()
      default:
        if segment.utf8.contains(0) || segment.contains("/") { throw .malformed }
        if !mayShow(segment) { throw .notFound }
        result.append(segment)
      }
    }
    return result
  }

  /// Whether a client may see a name: the one statement of the dotfile rule. AppleDouble
  /// companions ("._name", Finder's metadata for a file it wrote) are not secrets of the server
  /// but files a client stores, and Finder fails a whole copy when it cannot write them: they
  /// are visible, as on nginx or Apache.
  public func mayShow(_ name: String) -> Bool {
    allowDotfiles || !name.hasPrefix(".") || (name.hasPrefix("._") && name.utf8.count > 2)
  }

  /// The path of `segments` below the root, as text (symlinks not yet followed).
  public func path(of segments: [String]) -> String {
    segments.isEmpty ? root : root + "/" + segments.joined(separator: "/")
  }

  /// Opens `path` read-only and checks where it really is.
  ///
  /// The check runs on the open descriptor: the kernel's name for it (`/proc/self/fd/N`) is the
  /// path with every symlink followed, so one `readlink` replaces `realpath`'s walk, and what
  /// was checked is exactly what will be read. O_NONBLOCK keeps a FIFO from blocking the open.
  public func open(_ path: String) throws(Refusal) -> (file: OpenFile, real: String) {
    let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else {
      switch errno {
      case EACCES: throw .outside
      case EMFILE, ENFILE, ENOMEM: throw .unavailable
      default: throw .notFound
      }
    }
    let file = OpenFile(adopting: fd)
    let real = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(PATH_MAX)) { buffer -> String? in
      let n = readlink("/proc/self/fd/\(fd)", buffer.baseAddress!, buffer.count)
      guard n > 0 else { return nil }
      return String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<n]), as: UTF8.self)
    }
    guard let real else { throw .notFound }
    try check(real)
    return (file, real)
  }

  /// `realpath(path)`, refused unless it is the root or below it.
  public func contained(_ path: String) throws(Refusal) -> String {
    guard let resolved = realpath(path, nil) else { throw .notFound }
    defer { free(resolved) }
    let real = String(cString: resolved)
    try check(real)
    return real
  }

  /// Refuses a real (symlink-free) path outside the root, or hidden inside it.
  private func check(_ real: String) throws(Refusal) {
    if real == root { return }
    var real = real
    let hidden = real.withUTF8 { bytes -> Bool? in
      guard bytes.starts(with: rootPrefix) else { return nil }
      // A symlink inside the root may point at a hidden name inside the root: look at each name
      // after the root that starts with "." (on bytes: this runs on every uncached open).
      let tail = bytes[rootPrefix.count...]
      var start = tail.startIndex
      while start < tail.endIndex {
        let end = tail[start...].firstIndex(of: UInt8(ascii: "/")) ?? tail.endIndex
        if tail[start] == UInt8(ascii: "."), !mayShow(String(decoding: tail[start..<end], as: UTF8.self)) {
          return true
        }
        start = end + 1
      }
      return false
    }
    guard let hidden else { throw .outside }
    if hidden && !allowDotfiles { throw .notFound }
  }
}
