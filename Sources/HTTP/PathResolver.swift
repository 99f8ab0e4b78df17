#if canImport(Glibc)
  import Glibc
#endif

/// Maps a request path onto the served folder, so that nothing outside it is ever reached.
///
/// Two checks, because each alone has gaps. First the text: each segment is percent-decoded on
/// its own, so `%2f` cannot forge a separator and `%2e%2e` is seen as `..`; NUL and invalid
/// UTF-8 are refused; `.` and `..` are removed (RFC 3986 §5.2.4, never above the root); dotfiles
/// are hidden unless allowed. Then the file system: the result is resolved with `realpath`,
/// which follows every symlink, and must still lie inside the root's own real path.
public struct PathResolver: Sendable {
  /// The served folder's real path, without a trailing slash.
  public let root: String
  /// Whether names starting with "." may be served.
  public let allowDotfiles: Bool

  /// Why a path was refused.
  public enum Refusal: Error, Equatable {
    /// Malformed: bad escape, NUL, "/" inside a segment, invalid UTF-8.
    case malformed
    /// Hidden (a dotfile) or absent: answered 404, so hidden names are not confirmed.
    case notFound
    /// Resolves outside the root through a symlink.
    case outside
  }

  public init(root: String, allowDotfiles: Bool) {
    self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    self.allowDotfiles = allowDotfiles
  }

  /// The decoded, normalised segments of a request path ("/a/./b/../c%20d" → ["a", "c d"]).
  public func segments(of path: String) throws(Refusal) -> [String] {
    var result: [String] = []
    for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
      guard let bytes = PercentEncoding.decode(raw) else { throw .malformed }
      if bytes.contains(0) || bytes.contains(UInt8(ascii: "/")) { throw .malformed }
      guard let segment = String(validating: bytes, as: UTF8.self) else { throw .malformed }
      switch segment {
      case ".": continue
      case "..":
        if !result.isEmpty { result.removeLast() }
      default:
        if segment.hasPrefix(".") && !allowDotfiles { throw .notFound }
        result.append(segment)
      }
    }
    return result
  }

  /// The file-system path for `segments` after following symlinks, checked to be inside the root.
  public func realPath(of segments: [String]) throws(Refusal) -> String {
    let joined = segments.isEmpty ? root : root + "/" + segments.joined(separator: "/")
    return try contained(joined)
  }

  /// `realpath(path)`, refused unless it is the root or below it.
  public func contained(_ path: String) throws(Refusal) -> String {
    guard let resolved = realpath(path, nil) else { throw .notFound }
    defer { free(resolved) }
    let real = String(cString: resolved)
    guard real == root || real.hasPrefix(root == "/" ? "/" : root + "/") else { throw .outside }
    if !allowDotfiles && real.count > root.count {
      // A symlink inside the root may point at a hidden name inside the root.
      let inside = real.dropFirst(root == "/" ? 1 : root.count + 1)
      if inside.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { throw .notFound }
    }
    return real
  }
}
