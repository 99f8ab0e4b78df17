import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// A regular file a response is planned for: its status, its real path, and its bytes, either
/// kept in memory (small files met before, see `ResolvedFiles`) or behind an open descriptor.
struct ServedFile {
  enum Contents {
    case memory([UInt8])
    case open(OpenFile)
  }

  /// The file's status, as checked when it was opened (or revalidated).
  let info: stat
  /// The real path (every symlink followed), known to be inside the root.
  let real: String
  let contents: Contents
  /// Its header values, when already known.
  var facts: FileService.HeaderFacts?

  var size: Int { Int(info.st_size) }

  /// The whole file, from memory or read from it (`pread`); nil on error, shorter if it shrank.
  func wholeContents() -> [UInt8]? {
    switch contents {
    case .memory(let bytes): bytes
    case .open(let file): file.read(offset: 0, length: size)
    }
  }
}

/// What `stat` says of a file that changes whenever the file does: device and inode (which
/// file), size, modification and change times. The change time moves on every write, chmod or
/// rename of the file and no user can set it back.
struct FileIdentity: Hashable {
  var device: UInt64
  var inode: UInt64
  var mode: UInt32
  var size: Int
  var modified: Int
  var changed: Int

  init(_ info: stat) {
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
    mode = UInt32(info.st_mode)
    size = Int(info.st_size)
    modified = Self.nanoseconds(info.st_mtim)
    changed = Self.nanoseconds(info.st_ctim)
  }

  /// A file time in nanoseconds since the epoch.
  static func nanoseconds(_ t: timespec) -> Int {
    Int(t.tv_sec) &* 1_000_000_000 &+ Int(t.tv_nsec)
  }
}
