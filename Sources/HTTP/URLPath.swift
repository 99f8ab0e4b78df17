import ServerCore

extension PathResolver {
  /// The file-system path for a request path, checked as text (see `segments(of:)`).
  ///
  /// A path with no escapes, no empty segment and no segment starting with "." ("/a/b.txt") is
  /// already normal and visible, so it maps onto the root as it is; others are decoded and
  /// normalised segment by segment.
  public func fileSystemPath(of urlPath: String) throws(Refusal) -> String {
    var simple = true
    var previous: UInt8 = 0
    for b in urlPath.utf8 {
      if b == UInt8(ascii: "%") || (previous == UInt8(ascii: "/") && (b == UInt8(ascii: "/") || b == UInt8(ascii: ".")))
      {
        simple = false
        break
      }
      previous = b
    }
    if simple && urlPath.utf8.first == UInt8(ascii: "/") {
      return urlPath == "/" ? root : (root == "/" ? urlPath : root + urlPath)
    }
    return path(of: try segments(of: urlPath))
  }

  /// The decoded, normalised segments of a request path ("/a/./b/../c%20d" → ["a", "c d"]).
  ///
  /// Each segment is percent-decoded on its own, so `%2f` cannot forge a separator and
  /// `%2e%2e` is seen as `..`; invalid escapes and invalid UTF-8 are refused.
  public func segments(of urlPath: String) throws(Refusal) -> [String] {
    // Most paths have no escapes: split them directly. (The parser has already refused control
    // characters and raw non-ASCII bytes in the target.)
    if !urlPath.utf8.contains(UInt8(ascii: "%")) {
      return try normalize(urlPath.split(separator: "/").map(String.init))
    }
    var decoded: [String] = []
    for raw in urlPath.split(separator: "/", omittingEmptySubsequences: true) {
      guard let bytes = PercentEncoding.decode(raw) else { throw .malformed }
      if bytes.contains(0) || bytes.contains(UInt8(ascii: "/")) { throw .malformed }
      guard let segment = String(validating: bytes, as: UTF8.self) else { throw .malformed }
      decoded.append(segment)
    }
    return try normalize(decoded)
  }

  /// The one spelling of a path's segments as a URL path: each segment percent-encoded, no dot
  /// segments ("/sub/../a b" is "/a%20b"). Locations name what was made by this spelling.
  public static func canonicalURLPath(_ segments: [String]) -> String {
    "/" + segments.map(PercentEncoding.encodeSegment).joined(separator: "/")
  }
}
