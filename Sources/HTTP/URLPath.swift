import ServerCore

extension PathResolver {
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
}
