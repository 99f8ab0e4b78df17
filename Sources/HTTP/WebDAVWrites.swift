import ServerCore

#if canImport(Glibc)
  import Glibc
#endif

/// WebDAV's DELETE, MOVE and COPY (RFC 4918 §9.6–9.9), allowed with `--upload`. Every name,
/// source and destination, is checked like any other path; hidden names are never touched
/// (a folder holding one is not deleted); replacing needs `--overwrite` and no `Overwrite: F`.
extension FileService {
  /// Where `urlPath` is, for a change, or the response that refuses it (400 malformed or above
  /// the root, 403 hidden or the root itself, 409 when the parent folder does not exist).
  func place(_ urlPath: String) -> Planned<ServedFolder.Place> {
    let segments: [String]
    do {
      segments = try resolver.segments(of: urlPath)
    } catch .malformed {
      return .refused(.error(.badRequest))
    } catch {
      return .refused(.error(.forbidden))
    }
    if segments.isEmpty { return .refused(.error(.forbidden)) }
    guard let place = try? folder.place(segments) else { return .refused(.error(.conflict)) }
    return .ready(place)
  }

  /// DELETE: 204 once the file, or the folder and everything in it, is gone.
  public func delete(_ request: Request) -> Response {
    let target: ServedFolder.Place
    switch place(request.path) {
    case .refused(let refusal): return refusal
    case .ready(let p): target = p
    }
    guard folder.existing(target) != nil else { return .error(.notFound) }
    guard (try? folder.removeTree(target)) != nil else { return .error(.forbidden) }
    options.locks.releaseAll(within: target.segments)  // what was locked is gone
    return Response(status: .noContent)
  }

  /// MOVE and COPY: 201 when the destination is new, 204 when it was replaced.
  public func transfer(_ request: Request, move: Bool) -> Response {
    let destinationPath: String
    switch request.destination.map({ Self.pathOfDestination($0, host: request.host) }) {
    case .none, .malformed: return .error(.badRequest)
    case .elsewhere: return .error(.badGateway)  // RFC 4918 §9.8.5, §9.9.4: another server
    case .here(let path): destinationPath = path
    }
    let source: ServedFolder.Place
    let destination: ServedFolder.Place
    switch (place(request.path), place(destinationPath)) {
    case (.refused(let refusal), _), (_, .refused(let refusal)): return refusal
    case (.ready(let a), .ready(let b)):
      source = a
      destination = b
    }
    guard folder.existing(source) != nil else { return .error(.notFound) }
    if source.path == destination.path || destination.path.hasPrefix(source.path + "/") {
      return .error(.forbidden)  // onto itself, or into itself
    }
    let exists = folder.existing(destination) != nil
    if exists {
      if request.overwrite == "F" { return .error(.preconditionFailed) }
      guard options.uploads.overwrite else { return .error(.conflict) }
      guard (try? folder.removeTree(destination)) != nil else { return .error(.forbidden) }
    }
    do {
      if move { try folder.rename(source, to: destination) } else { try folder.copyTree(source, to: destination) }
    } catch {
      return .error(error.isFull ? .insufficientStorage : .forbidden)
    }
    // Locks stay with URLs, not with content: a MOVE leaves the source's locks behind, and
    // what was at the destination went with its locks (RFC 4918 §7.7).
    if exists { options.locks.releaseAll(within: destination.segments) }
    if move { options.locks.releaseAll(within: source.segments) }
    return exists
      ? Response(status: .noContent)
      : Response(status: .created, headers: [("Location", PathResolver.canonicalURLPath(destination.segments))])
  }

  /// Where a Destination header points.
  enum Destination: Equatable {
    /// A path on this server.
    case here(String)
    /// A URL on another server (its authority differs from the request's Host).
    case elsewhere
    /// Neither an absolute path nor an http(s) URL.
    case malformed
  }

  /// The path of a Destination value: "/a/b", or "http://host/a/b" when `host` is the request's
  /// own Host (compared without case, as RFC 3986 §6.2.2.1 compares authorities).
  static func pathOfDestination(_ value: String, host: String?) -> Destination {
    if value.hasPrefix("/") { return .here(value) }
    let lower = value.lowercased()
    guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return .malformed }
    let afterScheme = value.drop { $0 != ":" }.dropFirst(3)
    let authority = afterScheme.prefix { $0 != "/" }
    let afterHost = afterScheme.dropFirst(authority.count)
    if let host, authority.lowercased() != host.lowercased() { return .elsewhere }
    return .here(afterHost.isEmpty ? "/" : String(afterHost))
  }
}
