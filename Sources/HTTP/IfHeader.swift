/// WebDAV's `If` field (RFC 4918 §10.4): lists of conditions on lock tokens and ETags, each list
/// for the request's resource (untagged) or for a named one (tagged). The field holds when any
/// list holds, and a list holds when all its conditions do. The state tokens it names are also
/// how a client submits the lock tokens a write needs (§7.5).
public struct IfHeader: Equatable, Sendable {
  public struct Condition: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
      /// A state token, such as a lock token ("opaquelocktoken:…") or "DAV:no-lock".
      case token(String)
      /// An entity tag, compared strongly.
      case etag(String)
    }
    public var negated: Bool
    public var kind: Kind
  }

  public struct List: Equatable, Sendable {
    /// The URL path of a tagged list's resource; nil for the request's own.
    public var resource: String?
    public var conditions: [Condition]
  }

  public var lists: [List]

  /// Parses the field; nil when it does not follow the grammar (answered 400).
  public init?(_ text: String) {
    var scalars = Substring(text).unicodeScalars[...]
    var lists: [List] = []
    var tag: String?
    func skipSpaces() { while let c = scalars.first, c == " " || c == "\t" { scalars.removeFirst() } }
    func take(until end: Unicode.Scalar) -> String? {
      guard let close = scalars.firstIndex(of: end) else { return nil }
      let value = String(String.UnicodeScalarView(scalars[..<close]))
      scalars = scalars[scalars.index(after: close)...]
      return value
    }
    while true {
      skipSpaces()
      guard let c = scalars.first else { break }
      if c == "<" {
        scalars.removeFirst()
        guard let url = take(until: ">") else { return nil }
        tag = Self.path(ofResourceTag: url)
        continue
      }
      guard c == "(" else { return nil }
      scalars.removeFirst()
      var conditions: [Condition] = []
      while true {
        skipSpaces()
        guard let next = scalars.first else { return nil }
        if next == ")" {
          scalars.removeFirst()
          break
        }
        var negated = false
        if String(String.UnicodeScalarView(scalars.prefix(3))).lowercased() == "not" {
          negated = true
          scalars = scalars.dropFirst(3)
          skipSpaces()
        }
        switch scalars.first {
        case "<":
          scalars.removeFirst()
          guard let token = take(until: ">") else { return nil }
          conditions.append(Condition(negated: negated, kind: .token(token)))
        case "[":
          scalars.removeFirst()
          guard let etag = take(until: "]") else { return nil }
          conditions.append(Condition(negated: negated, kind: .etag(etag)))
        default:
          return nil
        }
      }
      guard !conditions.isEmpty else { return nil }
      lists.append(List(resource: tag, conditions: conditions))
    }
    guard !lists.isEmpty else { return nil }
    self.lists = lists
  }

  /// The lock tokens the client submits: every state token named without `Not`.
  public var submittedTokens: Set<String> {
    var tokens: Set<String> = []
    for list in lists {
      for condition in list.conditions where !condition.negated {
        if case .token(let token) = condition.kind { tokens.insert(token) }
      }
    }
    return tokens
  }

  /// What a condition is checked against: the tokens of the locks that cover a resource, and
  /// its current ETag (nil when it does not exist).
  public struct State {
    public var lockTokens: Set<String>
    public var etag: String?
    public init(lockTokens: Set<String>, etag: String?) {
      self.lockTokens = lockTokens
      self.etag = etag
    }
  }

  /// Whether the field holds: some list, checked against its resource's state, has every
  /// condition true. `state` is asked for a URL path (the request's for untagged lists).
  public func holds(requestPath: String, state: (String) -> State) -> Bool {
    lists.contains { list in
      let facts = state(list.resource ?? requestPath)
      return list.conditions.allSatisfy { condition in
        let matched: Bool
        switch condition.kind {
        case .token(let token): matched = facts.lockTokens.contains(token)
        case .etag(let etag): matched = facts.etag == etag
        }
        return matched != condition.negated
      }
    }
  }

  /// The URL path of a resource tag: "http://host/a/b" or "/a/b" → "/a/b".
  static func path(ofResourceTag url: String) -> String {
    if url.hasPrefix("/") { return url }
    guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return url }
    let rest = url[url.index(colon, offsetBy: 3)...]
    guard let slash = rest.firstIndex(of: "/") else { return "/" }
    return String(rest[slash...])
  }
}
