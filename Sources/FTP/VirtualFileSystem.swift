import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// The client's view of the served folder: a current directory and paths relative to it, all
/// inside a virtual root that is the served folder (nothing above it exists for the client).
struct VirtualFileSystem {
  let jail: PathResolver
  /// The current directory, as segments below the root.
  var cwd: [String] = []

  /// A client path (absolute, or relative to cwd) as normalised segments below the root.
  func resolve(_ argument: String) throws(PathResolver.Refusal) -> [String] {
    let base = argument.hasPrefix("/") ? [] : cwd
    return try jail.normalize(base + argument.split(separator: "/").map(String.init))
  }

  /// "/a/b": how the client sees a path.
  static func display(_ segments: [String]) -> String {
    "/" + segments.joined(separator: "/")
  }

  /// Opens an existing file or folder, checked to be inside the root after following symlinks.
  func open(_ segments: [String]) throws(PathResolver.Refusal) -> (file: OpenFile, real: String, info: stat) {
    let opened = try jail.open(jail.path(of: segments))
    guard let info = opened.file.status() else { throw .notFound }
    return (opened.file, opened.real, info)
  }

  /// The real path of a name about to be created or changed: its folder must exist inside the
  /// root; the name itself is taken as it is (a symlink there is replaced, not followed).
  func placeForName(_ segments: [String]) throws(PathResolver.Refusal) -> String {
    guard let name = segments.last else { throw .outside }  // the root itself
    let parent = try jail.contained(jail.path(of: Array(segments.dropLast())))
    var info = stat()
    guard stat(parent, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { throw .notFound }
    return parent == "/" ? "/" + name : parent + "/" + name
  }

  /// The facts of every visible entry of the folder at `real`, sorted by name.
  func entries(ofFolder real: String) -> [FileFacts]? {
    guard let dir = opendir(real) else { return nil }
    defer { closedir(dir) }
    var result: [FileFacts] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      if name == "." || name == ".." || (name.hasPrefix(".") && !jail.allowDotfiles) { continue }
      let full = real + "/" + name
      var info = stat()
      guard lstat(full, &info) == 0 else { continue }
      if info.st_mode & S_IFMT == S_IFLNK {
        guard (try? jail.contained(full)) != nil, stat(full, &info) == 0 else { continue }
      }
      result.append(FileFacts(name: name, info: info))
    }
    return result.sorted { $0.name < $1.name }
  }
}
