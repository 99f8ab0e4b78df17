import ServerCore

#if canImport(Glibc)
  import Glibc
#endif

/// WebDAV's DELETE, MOVE and COPY (RFC 4918 §9.6–9.9), allowed with `--upload`. Every name,
/// source and destination, is checked like any other path; hidden names are never touched
/// (a folder holding one is not deleted); replacing needs `--overwrite` and no `Overwrite: F`.
extension FileService {
  /// A path of the served folder, resolved for writing: its real parent folder and name.
  struct Place {
    var parent: String
    var name: String
    /// The decoded segments below the root, for the canonical URL of what is made there.
    var segments: [String]
    var full: String { parent + "/" + name }
  }

  /// Where `urlPath` is, or the response that refuses it (400 malformed, 403 hidden or the
  /// root itself, 409 when the parent folder does not exist).
  func place(_ urlPath: String) -> Planned<Place> {
    let segments: [String]
    do {
      segments = try resolver.segments(of: urlPath)
    } catch .malformed {
      return .refused(.error(.badRequest))
    } catch {
      return .refused(.error(.forbidden))
    }
    guard let name = segments.last else { return .refused(.error(.forbidden)) }
    guard let parent = try? resolver.contained(resolver.path(of: Array(segments.dropLast()))) else {
      return .refused(.error(.conflict))
    }
    var info = stat()
    guard stat(parent, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
      return .refused(.error(.conflict))
    }
    return .ready(Place(parent: parent, name: name, segments: segments))
  }

  /// DELETE: 204 once the file, or the folder and everything in it, is gone.
  public func delete(_ request: Request) -> Response {
    let target: Place
    switch place(request.path) {
    case .refused(let refusal): return refusal
    case .ready(let p): target = p
    }
    var info = stat()
    guard lstat(target.full, &info) == 0 else { return .error(.notFound) }
    return removeTree(target.full) ? Response(status: .noContent) : .error(.forbidden)
  }

  /// MOVE and COPY: 201 when the destination is new, 204 when it was replaced.
  public func transfer(_ request: Request, move: Bool) -> Response {
    let destinationPath: String
    switch request.destination.map({ Self.pathOfDestination($0, host: request.host) }) {
    case .none, .malformed: return .error(.badRequest)
    case .elsewhere: return .error(.badGateway)  // RFC 4918 §9.8.5, §9.9.4: another server
    case .here(let path): destinationPath = path
    }
    let source: Place
    let destination: Place
    switch (place(request.path), place(destinationPath)) {
    case (.refused(let refusal), _), (_, .refused(let refusal)): return refusal
    case (.ready(let a), .ready(let b)):
      source = a
      destination = b
    }
    var info = stat()
    guard lstat(source.full, &info) == 0 else { return .error(.notFound) }
    if source.full == destination.full || destination.full.hasPrefix(source.full + "/") {
      return .error(.forbidden)  // onto itself, or into itself
    }
    var existing = stat()
    let exists = lstat(destination.full, &existing) == 0
    if exists {
      if request.overwrite == "F" { return .error(.preconditionFailed) }
      guard options.uploads.overwrite else { return .error(.conflict) }
      guard removeTree(destination.full) else { return .error(.forbidden) }
    }
    let done = move ? rename(source.full, destination.full) == 0 : copyTree(source.full, to: destination.full)
    guard done else { return .error(errno == ENOSPC ? .insufficientStorage : .forbidden) }
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

  /// Removes a file, or a folder depth first; refuses (false) when a hidden name is inside.
  private func removeTree(_ path: String) -> Bool {
    var info = stat()
    guard lstat(path, &info) == 0 else { return false }
    if info.st_mode & S_IFMT != S_IFDIR { return unlink(path) == 0 }
    guard let names = Self.names(in: path) else { return false }
    if !options.dotfiles && names.contains(where: { $0.hasPrefix(".") }) { return false }
    for name in names where !removeTree(path + "/" + name) { return false }
    return rmdir(path) == 0
  }

  /// Copies a file (through a temporary file, renamed into place) or a folder, depth first.
  private func copyTree(_ source: String, to destination: String) -> Bool {
    var info = stat()
    guard lstat(source, &info) == 0 else { return false }
    switch info.st_mode & S_IFMT {
    case S_IFDIR:
      guard let names = Self.names(in: source), mkdir(destination, 0o755) == 0 else { return false }
      return names.filter { options.dotfiles || !$0.hasPrefix(".") }.allSatisfy {
        copyTree(source + "/" + $0, to: destination + "/" + $0)
      }
    case S_IFREG:
      guard let file = try? AtomicUpload(destination: destination) else { return false }
      let input = open(source, O_RDONLY | O_CLOEXEC)
      guard input >= 0 else { return false }
      defer { close(input) }
      var buffer = [UInt8](repeating: 0, count: 64 * 1024)
      while true {
        let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
        if n < 0 { return false }
        if n == 0 { break }
        guard file.write(buffer[0..<n]) else { return false }
      }
      return (try? file.commit()) != nil
    default:
      return false  // symlinks, devices: never copied
    }
  }

  /// The names in a folder (`readdir`), "." and ".." left out; nil if it cannot be read.
  private static func names(in folder: String) -> [String]? {
    guard let dir = opendir(folder) else { return nil }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }
}
