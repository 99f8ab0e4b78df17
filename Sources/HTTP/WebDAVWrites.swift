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
    return .ready(Place(parent: parent, name: name))
  }

  /// DELETE: 204 once the file, or the folder and everything in it, is gone.
  public func delete(_ request: Request) -> Response {
    guard options.uploads.enabled else { return .error(.methodNotAllowed, [("Allow", allow)]) }
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
    guard options.uploads.enabled else { return .error(.methodNotAllowed, [("Allow", allow)]) }
    guard let destinationPath = request.destination.flatMap(Self.pathOfDestination) else {
      return .error(.badRequest)
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
    return exists ? Response(status: .noContent) : Response(status: .created, headers: [("Location", destinationPath)])
  }

  /// The path of a Destination value: "http://host/a/b" or "/a/b".
  static func pathOfDestination(_ value: String) -> String? {
    if value.hasPrefix("/") { return value }
    guard value.hasPrefix("http://") || value.hasPrefix("https://") else { return nil }
    let afterScheme = value.drop { $0 != ":" }.dropFirst(3)
    let afterHost = afterScheme.drop { $0 != "/" }
    return afterHost.isEmpty ? "/" : String(afterHost)
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
