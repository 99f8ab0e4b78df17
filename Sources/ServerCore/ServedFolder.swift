import CTransport
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// The served folder as every server sees it, in the spirit of Go's `http.FileSystem`/`http.Dir`:
/// the typed operations HTTP (files, listings, archives, uploads, WebDAV) and FTP perform, each
/// through the jail once. The rules of what a client may see — no dotfiles unless allowed, a
/// symlink only when it resolves inside the root — live here and in `PathResolver`, nowhere else.
public struct ServedFolder: Sendable {
  public let jail: PathResolver

  public init(jail: PathResolver) {
    self.jail = jail
  }

  /// A failed change to the folder: which step and its errno (the type uploads fail with too).
  public typealias Failure = AtomicUpload.Failure

  /// One visible entry of a folder: its name and the facts of what it names (for a symlink, of
  /// its target inside the root).
  public struct Entry {
    public let name: String
    public let info: stat
    public var isDirectory: Bool { info.st_mode & S_IFMT == S_IFDIR }
  }

  /// A name about to be made, changed or removed: its folder's real path (inside the root) and
  /// the name itself, taken as it is (a symlink there is replaced or removed, never followed).
  public struct Place: Sendable {
    public let folder: String
    public let name: String
    /// The decoded segments below the root, for the client-visible path of what is made.
    public let segments: [String]
    public var path: String { folder == "/" ? "/" + name : folder + "/" + name }
  }

  // MARK: Reading

  /// Opens an existing file or folder, checked to be inside the root after following symlinks.
  public func open(_ segments: [String]) throws(PathResolver.Refusal) -> (file: OpenFile, real: String, info: stat) {
    let opened = try jail.open(jail.path(of: segments))
    guard let info = opened.file.status() else { throw .notFound }
    return (opened.file, opened.real, info)
  }

  /// The visible entries of the folder at `real` (a real path inside the root), in no order:
  /// `readdir`, then `fstatat` on the open folder for each name. Hidden names are left out
  /// unless allowed, and a symlink only when it resolves inside the root.
  public func entries(ofFolder real: String) -> [Entry]? {
    guard let dir = opendir(real) else { return nil }
    defer { closedir(dir) }
    var result: [Entry] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      if name == "." || name == ".." || !jail.mayShow(name) { continue }
      var info = stat()
      guard fstatat(dirfd(dir), name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
      if info.st_mode & S_IFMT == S_IFLNK {
        let full = real + "/" + name
        guard (try? jail.contained(full)) != nil, stat(full, &info) == 0 else { continue }
      }
      result.append(Entry(name: name, info: info))
    }
    return result
  }

  // MARK: Changing

  /// Where `segments` names, for a change: its folder must exist inside the root; the root
  /// itself is never a place.
  public func place(_ segments: [String]) throws(PathResolver.Refusal) -> Place {
    guard let name = segments.last else { throw .outside }
    let folder = try jail.contained(jail.path(of: Array(segments.dropLast())))
    var info = stat()
    guard stat(folder, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { throw .notFound }
    return Place(folder: folder, name: name, segments: segments)
  }

  /// What is at `place` now (`lstat`: a symlink is reported as one), or nil for nothing.
  public func existing(_ place: Place) -> stat? {
    var info = stat()
    return lstat(place.path, &info) == 0 ? info : nil
  }

  /// `mkdir`: a new folder.
  public func makeFolder(_ place: Place) throws(Failure) {
    try check("mkdir", mkdir(place.path, 0o755))
  }

  /// `unlink` of a file (never a folder).
  public func removeFile(_ place: Place) throws(Failure) {
    guard let info = existing(place), info.st_mode & S_IFMT != S_IFDIR else {
      throw Failure(errno: EISDIR, what: "unlink")
    }
    try check("unlink", unlink(place.path))
  }

  /// `rmdir` of an empty folder.
  public func removeFolder(_ place: Place) throws(Failure) {
    try check("rmdir", rmdir(place.path))
  }

  /// Removes a file, or a folder and everything in it, depth first. A folder that holds a name
  /// the client may not see is left alone (EACCES): nothing is removed that was never shown.
  public func removeTree(_ place: Place) throws(Failure) {
    try removeTree(place.path)
  }

  private func removeTree(_ path: String) throws(Failure) {
    var info = stat()
    try check("lstat", lstat(path, &info))
    if info.st_mode & S_IFMT != S_IFDIR { return try check("unlink", unlink(path)) }
    guard let names = Self.names(in: path) else { throw Failure(errno: Glibc.errno, what: "opendir") }
    if names.contains(where: { !jail.mayShow($0) }) { throw Failure(errno: EACCES, what: "rmdir") }
    for name in names { try removeTree(path + "/" + name) }
    try check("rmdir", rmdir(path))
  }

  /// `rename`: moves what is at `source` to `destination`, replacing a file there.
  public func rename(_ source: Place, to destination: Place) throws(Failure) {
    try check("rename", Glibc.rename(source.path, destination.path))
  }

  /// Copies a file (through a temporary file renamed into place) or a folder, depth first;
  /// names the client may not see are left out, symlinks and devices are never copied.
  public func copyTree(_ source: Place, to destination: Place) throws(Failure) {
    try copyTree(source.path, to: destination.path)
  }

  private func copyTree(_ source: String, to destination: String) throws(Failure) {
    var info = stat()
    try check("lstat", lstat(source, &info))
    switch info.st_mode & S_IFMT {
    case S_IFDIR:
      guard let names = Self.names(in: source) else { throw Failure(errno: Glibc.errno, what: "opendir") }
      try check("mkdir", mkdir(destination, 0o755))
      try copyExtendedAttributes(source, to: destination)
      for name in names where jail.mayShow(name) { try copyTree(source + "/" + name, to: destination + "/" + name) }
    case S_IFREG:
      try copyFile(source, to: destination)
      try copyExtendedAttributes(source, to: destination)
    default:
      throw Failure(errno: EPERM, what: "copy")
    }
  }

  private func copyFile(_ source: String, to destination: String) throws(Failure) {
    let file: AtomicUpload
    file = try AtomicUpload(destination: destination)
    let input = Glibc.open(source, O_RDONLY | O_CLOEXEC)
    try check("open", input)
    defer { Glibc.close(input) }
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let n = buffer.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
      if n < 0 { throw Failure(errno: Glibc.errno, what: "read") }
      if n == 0 { break }
      guard file.write(buffer[0..<n]) else { throw Failure(errno: Glibc.errno, what: "write") }
    }
    try file.commit()
  }

  /// Starts an upload to `place`: a temporary file beside it, renamed into place only by
  /// `commit()`, so an upload cut short leaves the old file and no debris. With `keepingFirst`,
  /// the first bytes of the existing file are kept (FTP's REST and APPE).
  public func createUpload(at place: Place, keepingFirst kept: Int = 0) throws(Failure) -> AtomicUpload {
    try AtomicUpload(destination: place.path, keepingFirst: kept)
  }

  // MARK: Extended attributes (WebDAV's dead properties)

  /// The `user.` extended attributes of `path` whose names start with `prefix`, the prefix cut
  /// off (`listxattr`, then `getxattr` for each; a symlink's target's, which the entry rule keeps inside the root).
  public func extendedAttributes(of path: String, prefix: String) -> [(name: String, value: [UInt8])] {
    let size = listxattr(path, nil, 0)
    guard size > 0 else { return [] }
    var names = [CChar](repeating: 0, count: size)
    let got = listxattr(path, &names, size)
    guard got > 0 else { return [] }
    var result: [(String, [UInt8])] = []
    for raw in names[0..<got].split(separator: 0) {
      let name = String(decoding: raw.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      guard name.hasPrefix(prefix), let value = extendedAttribute(of: path, name: name) else { continue }
      result.append((String(name.dropFirst(prefix.count)), value))
    }
    return result
  }

  /// One extended attribute's value (`getxattr`), or nil.
  public func extendedAttribute(of path: String, name: String) -> [UInt8]? {
    let size = getxattr(path, name, nil, 0)
    guard size >= 0 else { return nil }
    var value = [UInt8](repeating: 0, count: size)
    let got = value.withUnsafeMutableBytes { getxattr(path, name, $0.baseAddress, size) }
    guard got >= 0 else { return nil }
    return Array(value[0..<got])
  }

  /// `setxattr`. ENOTSUP says the file system keeps none; E2BIG, ENOSPC or ERANGE that it is too
  /// large for it.
  public func setExtendedAttribute(of path: String, name: String, value: [UInt8]) throws(Failure) {
    let result = value.withUnsafeBytes { setxattr(path, name, $0.baseAddress, $0.count, 0) }
    try check("setxattr", result)
  }

  /// `removexattr`; one that is not there is no failure.
  public func removeExtendedAttribute(of path: String, name: String) throws(Failure) {
    if removexattr(path, name) < 0 && Glibc.errno != ENODATA { throw Failure(errno: Glibc.errno, what: "removexattr") }
  }

  /// Copies the `user.` extended attributes of `source` onto `destination` (a COPY carries a
  /// resource's dead properties with it).
  private func copyExtendedAttributes(_ source: String, to destination: String) throws(Failure) {
    for (name, value) in extendedAttributes(of: source, prefix: "user.") {
      try setExtendedAttribute(of: destination, name: "user." + name, value: value)
    }
  }

  private func check(_ call: String, _ result: Int32) throws(Failure) {
    if result < 0 { throw Failure(errno: Glibc.errno, what: call) }
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
