/// A representation's validators (RFC 9110 §8.8): its entity tag and modification time.
public struct Validators: Equatable, Sendable {
  /// A strong entity tag, quotes included: `"5f3a1c2e.1a2b3c-400"`.
  public var etag: String
  /// Last modification, in whole seconds since the epoch.
  public var lastModified: Int

  public init(etag: String, lastModified: Int) {
    self.etag = etag
    self.lastModified = lastModified
  }
}

/// What the preconditions of a request decide (RFC 9110 §13.2.2).
public enum ConditionalOutcome: Equatable, Sendable {
  /// Go on and send the representation.
  case proceed
  /// 304: the client's copy is current.
  case notModified
  /// 412: a precondition the client set does not hold.
  case preconditionFailed
}

/// Evaluation of conditional request headers, in the order RFC 9110 §13.2.2 prescribes.
public enum Conditional {
  /// Decides If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since for a GET or
  /// HEAD of a representation with `validators`.
  public static func evaluate(_ request: Request, _ validators: Validators) -> ConditionalOutcome {
    if let ifMatch = request.ifMatch {
      if !matches(ifMatch, validators.etag, weak: false) { return .preconditionFailed }
    } else if let since = request.ifUnmodifiedSince, let date = HTTPDate.parse(since) {
      if validators.lastModified > date { return .preconditionFailed }
    }
    if let ifNoneMatch = request.ifNoneMatch {
      if matches(ifNoneMatch, validators.etag, weak: true) { return .notModified }
    } else if let since = request.ifModifiedSince, let date = HTTPDate.parse(since) {
      if validators.lastModified <= date { return .notModified }
    }
    return .proceed
  }

  /// Whether a Range may be honoured under If-Range (RFC 9110 §13.1.5): the tag must match
  /// strongly, or the date must equal Last-Modified exactly. Anything else sends the whole file.
  public static func ifRangeHolds(_ value: String, _ validators: Validators) -> Bool {
    let trimmed = Substring(value).trimmingSpaces
    if trimmed.hasPrefix("\"") || trimmed.hasPrefix("W/") {
      return !trimmed.hasPrefix("W/") && trimmed == validators.etag
    }
    return HTTPDate.parse(String(trimmed)) == validators.lastModified
  }

  /// Whether an If-Match/If-None-Match list names `etag` ("*" names any). Weak comparison
  /// ignores the W/ prefix on either side; strong comparison never matches a weak tag.
  public static func matches(_ list: String, _ etag: String, weak: Bool) -> Bool {
    let tags = entityTags(list)
    if tags.contains("*") { return true }
    let opaque = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
    for tag in tags {
      if tag.hasPrefix("W/") {
        if weak && tag.dropFirst(2) == opaque { return true }
      } else if tag == opaque && (weak || !etag.hasPrefix("W/")) {
        return true
      }
    }
    return false
  }

  /// Splits an entity-tag list on commas outside quotes.
  static func entityTags(_ list: String) -> [String] {
    var tags: [String] = []
    var current = ""
    var quoted = false
    for c in list {
      if c == "\"" { quoted.toggle() }
      if c == "," && !quoted {
        let t = Substring(current).trimmingSpaces
        if !t.isEmpty { tags.append(String(t)) }
        current = ""
      } else {
        current.append(c)
      }
    }
    let t = Substring(current).trimmingSpaces
    if !t.isEmpty { tags.append(String(t)) }
    return tags
  }
}
