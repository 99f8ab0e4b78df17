import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// The client's view of the served folder: a current directory and paths relative to it, all
/// inside a virtual root that is the served folder (nothing above it exists for the client).
/// Every look at the file system goes through the one served-folder seam.
struct VirtualFileSystem {
  let folder: ServedFolder
  /// The current directory, as segments below the root.
  var cwd: [String] = []

  init(jail: PathResolver) {
    folder = ServedFolder(jail: jail)
  }

  /// A client path (absolute, or relative to cwd) as normalised segments below the root; a
  /// path that climbs above the root is refused (`.malformed`).
  func resolve(_ argument: String) throws(PathResolver.Refusal) -> [String] {
    let base = argument.hasPrefix("/") ? [] : cwd
    return try folder.jail.normalize(base + argument.split(separator: "/").map(String.init))
  }

  /// "/a/b": how the client sees a path.
  static func display(_ segments: [String]) -> String {
    "/" + segments.joined(separator: "/")
  }

  /// Opens an existing file or folder, checked to be inside the root after following symlinks.
  func open(_ segments: [String]) throws(PathResolver.Refusal) -> (file: OpenFile, real: String, info: stat) {
    try folder.open(segments)
  }

  /// The facts of every visible entry of the folder at `real`, sorted by name.
  func entries(ofFolder real: String) -> [FileFacts]? {
    folder.entries(ofFolder: real)?.map { FileFacts(name: $0.name, info: $0.info) }.sorted { $0.name < $1.name }
  }
}
