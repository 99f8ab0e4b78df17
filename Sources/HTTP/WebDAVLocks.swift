import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// WebDAV class 2: LOCK, UNLOCK (RFC 4918 §9.10, §9.11), the `If` field (§10.4) and the rule
/// that a write to a locked resource needs its lock token (§7). The table is `options.locks`,
/// shared by every loop.
extension FileService {
  /// The name of whoever asks, with `--auth` (a lock belongs to the account that took it).
  static func principal(_ request: Request) -> String? {
    HTTPAuth.credentials(request.authorization)?.name
  }

  /// The checks before a request runs: the `If` field must parse (400) and hold (412); a write
  /// must submit the token of every lock on what it changes (423). Nil to go on.
  public func preconditions(_ request: Request) -> Response? {
    var submitted: Set<String> = []
    if let field = request.davIf {
      guard let condition = IfHeader(field) else { return .error(.badRequest) }
      guard condition.holds(requestPath: request.path, state: state) else { return .error(.preconditionFailed) }
      submitted = condition.submittedTokens
    }
    guard request.isWrite, request.method != .other("UNLOCK") else { return nil }
    let principal = Self.principal(request)
    for (segments, deep) in affected(request) {
      let locks =
        deep ? options.locks.within(segments) + options.locks.covering(segments) : options.locks.covering(segments)
      for lock in locks where !submitted.contains(lock.token) || (lock.principal != nil && lock.principal != principal)
      {
        return Response(
          status: .locked, headers: [("Content-Type", "application/xml; charset=utf-8")],
          body: [
            .bytes(
              WebDAV.errorBody(
                "<D:lock-token-submitted><D:href>\(XMLWriter.escape(PathResolver.canonicalURLPath(lock.root)))</D:href></D:lock-token-submitted>"
              ))
          ])
      }
    }
    return nil
  }

  /// A URL path's state for the `If` field: its locks' tokens and its current ETag.
  private func state(_ urlPath: String) -> IfHeader.State {
    guard let segments = try? resolver.segments(of: urlPath) else { return IfHeader.State(lockTokens: [], etag: nil) }
    let tokens = Set(options.locks.covering(segments).map(\.token))
    var etag: String?
    if case .ready(let opened) = openForReading(urlPath), opened.info.st_mode & S_IFMT == S_IFREG {
      etag = facts(opened.real, opened.info).validators.etag
    }
    return IfHeader.State(lockTokens: tokens, etag: etag)
  }

  /// What a write changes, for the lock check: each path, and whether everything below it
  /// counts too (DELETE and MOVE of a folder). Making or removing a member also changes its
  /// folder, so the folder's own locks apply (§7.4).
  private func affected(_ request: Request) -> [([String], Bool)] {
    guard let target = try? resolver.segments(of: request.path) else { return [] }
    func withParent(_ path: [String], deep: Bool) -> [([String], Bool)] {
      [(path, deep)] + (path.isEmpty ? [] : [(Array(path.dropLast()), false)])
    }
    let destination = request.destination.flatMap { value -> [String]? in
      guard case .here(let path) = Self.pathOfDestination(value, host: request.host) else { return nil }
      return try? resolver.segments(of: path)
    }
    switch request.method {
    case .put:
      let exists = (try? folder.place(target)).flatMap(folder.existing) != nil
      return exists ? [(target, false)] : withParent(target, deep: false)
    case .other("LOCK"):
      // Conflicts with other locks are the lock table's to judge; a lock that makes a file at
      // an unmapped URL changes its folder, whose locks apply.
      let exists = target.isEmpty || (try? folder.place(target)).flatMap(folder.existing) != nil
      return exists ? [] : [(Array(target.dropLast()), false)]
    case .post, .other("PROPPATCH"):
      return [(target, false)]
    case .delete, .other("MKCOL"):
      return withParent(target, deep: true)
    case .other("MOVE"):
      return withParent(target, deep: true) + (destination.map { withParent($0, deep: true) } ?? [])
    case .other("COPY"):
      return destination.map { withParent($0, deep: true) } ?? []
    default:
      return []
    }
  }

  /// LOCK: a new lock from a lockinfo body (201 when it made an empty file at an unmapped URL,
  /// else 200), or with no body a refresh of the lock whose token the `If` field names.
  public func lock(_ request: Request, body: [UInt8]) -> Response {
    let segments: [String]
    do {
      segments = try resolver.segments(of: request.path)
    } catch .malformed {
      return .error(.badRequest)
    } catch {
      return .error(.forbidden)
    }
    let seconds = LockTable.seconds(request.timeout)
    let now = MonotonicClock.milliseconds()
    guard !body.isEmpty else {
      let submitted = request.davIf.flatMap(IfHeader.init)?.submittedTokens ?? []
      guard let held = options.locks.covering(segments).first(where: { submitted.contains($0.token) }),
        let lock = options.locks.refresh(held.token, seconds: seconds, now: now)
      else { return .error(.preconditionFailed) }
      return lockAnswer(lock, status: .ok, newToken: false)
    }
    guard let info = try? XMLElement.parse(body), info.is("DAV:", "lockinfo"),
      let scope = info.child("DAV:", "lockscope"), info.child("DAV:", "locktype")?.child("DAV:", "write") != nil
    else { return .error(.badRequest) }
    let exclusive = scope.child("DAV:", "exclusive") != nil
    guard exclusive || scope.child("DAV:", "shared") != nil else { return .error(.badRequest) }
    let depth = request.depth?.lowercased() ?? "infinity"
    guard depth == "0" || depth == "infinity" else { return .error(.badRequest) }
    let owner = info.child("DAV:", "owner").map { XMLWriter.serialize($0.content) } ?? ""
    guard !segments.isEmpty || options.uploads.enabled else { return .error(.forbidden) }
    let place = segments.isEmpty ? nil : try? folder.place(segments)
    if !segments.isEmpty && place == nil { return .error(.conflict) }  // no parent folder
    let created = place.map { folder.existing($0) == nil } ?? false
    let lock: LockTable.Lock
    switch options.locks.acquire(
      segments, exclusive: exclusive, deep: depth == "infinity", owner: owner, principal: Self.principal(request),
      seconds: seconds, now: now)
    {
    case .failure(.full): return .error(.serviceUnavailable, [("Retry-After", "60")])
    case .failure(.conflict(let root)):
      return Response(
        status: .locked, headers: [("Content-Type", "application/xml; charset=utf-8")],
        body: [
          .bytes(
            WebDAV.errorBody(
              "<D:no-conflicting-lock><D:href>\(XMLWriter.escape(PathResolver.canonicalURLPath(root)))</D:href></D:no-conflicting-lock>"
            ))
        ])
    case .success(let granted): lock = granted
    }
    if created, let place {
      // A lock on an unmapped URL makes an empty file there (RFC 4918 §7.3).
      do {
        try folder.createUpload(at: place).commit()
      } catch {
        options.locks.release(lock.token)
        return .error(error.isFull ? .insufficientStorage : .forbidden)
      }
    }
    return lockAnswer(lock, status: created ? .created : .ok, newToken: true)
  }

  private func lockAnswer(_ lock: LockTable.Lock, status: Status, newToken: Bool) -> Response {
    let xml =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>"
      + WebDAV.activeLock(lock) + "</D:lockdiscovery></D:prop>\n"
    var headers = [("Content-Type", "application/xml; charset=utf-8")]
    if newToken { headers.append(("Lock-Token", "<\(lock.token)>")) }
    return Response(status: status, headers: headers, body: [.bytes(Array(xml.utf8))])
  }

  /// UNLOCK: 204 once the lock named by Lock-Token is gone; 409 when it does not cover the
  /// request's resource; 403 when it belongs to another account.
  public func unlock(_ request: Request) -> Response {
    guard let field = request.lockToken.map({ Substring($0).trimmingSpaces }), field.hasPrefix("<"),
      field.hasSuffix(">")
    else {
      return .error(.badRequest)
    }
    let token = String(field.dropFirst().dropLast())
    guard let segments = try? resolver.segments(of: request.path), let lock = options.locks.lock(token),
      lock.covers(segments)
    else {
      return Response(
        status: .conflict, headers: [("Content-Type", "application/xml; charset=utf-8")],
        body: [.bytes(WebDAV.errorBody("<D:lock-token-matches-request-uri/>"))])
    }
    if let owner = lock.principal, owner != Self.principal(request) { return .error(.forbidden) }
    options.locks.release(token)
    return Response(status: .noContent)
  }
}
