import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// Remembers which file each recently requested URL path named, so that a repeat request for
/// an unchanged file costs next to nothing instead of open, readlink, fstat, pread and close.
///
/// Why it is safe: an entry is made only after the full check (the file opened, the kernel's
/// real path for it inside the root and not hidden), and used only while that file is known to
/// be unchanged and still named by the path. Known how: for a path without symlinks, the file
/// and every folder from the root down to it are watched (`FileWatcher`), and any change to any
/// of them forgets every entry; otherwise `stat()` on the path must still report the same
/// `FileIdentity`. (Writes through a shared `mmap` raise no notification; a server whose files
/// change that way should not rely on the cache — they are rare for served files.)
/// One per event loop, so no lock.
final class ResolvedFiles {
  /// A class, so that a lookup hands out one reference rather than copying every field.
  final class Entry {
    let fileSystemPath: String
    let real: String
    let info: stat
    let contents: [UInt8]?
    /// A larger file kept open (only when watched): sendfile reads it at explicit offsets, so
    /// any number of responses share the descriptor.
    let file: OpenFile?
    let facts: FileService.HeaderFacts
    /// Watched for changes, so no stat is needed to trust it.
    let watched: Bool

    init(
      fileSystemPath: String, real: String, info: stat, contents: [UInt8]?, file: OpenFile?,
      facts: FileService.HeaderFacts, watched: Bool
    ) {
      self.fileSystemPath = fileSystemPath
      self.real = real
      self.info = info
      self.contents = contents
      self.file = file
      self.facts = facts
      self.watched = watched
    }
  }

  private var entries: [String: Entry] = [:]
  private var keptBytes = 0
  private var keptOpen = 0
  /// How many larger files are kept open at most.
  static let openLimit = 128
  private let root: String
  private var watcher: FileWatcher?
  /// How many paths are remembered; past this the table starts again empty.
  static let capacity = 1024
  /// How many bytes of file contents are kept at most, over all entries.
  static let contentLimit = 4 * 1024 * 1024

  /// A table for files below `root` (a real path).
  init(root: String) {
    self.root = root
    watcher = Self.freshWatcher(root: root)
  }

  /// A new watcher, watching the folders above the root: if one moves, the root's path names
  /// something else.
  private static func freshWatcher(root: String) -> FileWatcher? {
    let watcher = FileWatcher()
    var above = root
    while let slash = above.lastIndex(of: "/"), above != "/" {
      above = slash == above.startIndex ? "/" : String(above[..<slash])
      _ = watcher?.watch(above, events: FileWatcher.folderMoves)
    }
    return watcher
  }

  /// The file `urlPath` named last time, if the path still names it unchanged. A watched file
  /// costs one read of the change queue; an unwatched one a `stat`, or for a file not kept in
  /// memory, an open and `fstat`.
  func lookup(_ urlPath: String) -> ServedFile? {
    guard let entry = entries[urlPath] else { return nil }
    if entry.watched, watcher?.changedSinceLastCheck() == true {
      forgetAll()
      return nil
    }
    let contents: ServedFile.Contents
    var now = stat()
    if let kept = entry.contents {
      if !entry.watched {
        guard stat(entry.fileSystemPath, &now) == 0, FileIdentity(now) == FileIdentity(entry.info) else {
          return forget(urlPath)
        }
      }
      contents = .memory(kept)
    } else if entry.watched, let file = entry.file {
      contents = .open(file)
    } else {
      let fd = open(entry.fileSystemPath, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
      guard fd >= 0 else { return forget(urlPath) }
      let file = OpenFile(adopting: fd)
      guard fstat(fd, &now) == 0, FileIdentity(now) == FileIdentity(entry.info) else { return forget(urlPath) }
      contents = .open(file)
    }
    return ServedFile(info: entry.info, real: entry.real, contents: contents, facts: entry.facts)
  }

  private func forget(_ urlPath: String) -> ServedFile? {
    let entry = entries.removeValue(forKey: urlPath)
    keptBytes -= entry?.contents?.count ?? 0
    if entry?.file != nil { keptOpen -= 1 }
    return nil
  }

  private func forgetAll() {
    entries.removeAll(keepingCapacity: true)
    keptBytes = 0
    keptOpen = 0
  }

  /// Remembers a regular file just opened and checked; its bytes too when it is small.
  func remember(
    _ urlPath: String, fileSystemPath: String, real: String, file: OpenFile, info: stat,
    facts: FileService.HeaderFacts, keepUpTo: Int
  ) -> ServedFile {
    if entries.count >= Self.capacity {
      // Start again, watches included: each costs the kernel memory, and a site crawled file by
      // file would otherwise gather one per file it ever served.
      forgetAll()
      watcher = Self.freshWatcher(root: root)
    }
    // Watch first, then check the path still names the file that was opened: a change before
    // the watches shows in the check, a change after them in the queue.
    var watched = fileSystemPath == real && watch(real)
    if watched {
      var now = stat()
      watched = stat(real, &now) == 0 && FileIdentity(now) == FileIdentity(info)
    }
    var kept: [UInt8]?
    let size = Int(info.st_size)
    if size <= keepUpTo && keptBytes + size <= Self.contentLimit,
      let bytes = file.read(offset: 0, length: size), bytes.count == size
    {
      kept = bytes
    }
    _ = forget(urlPath)
    keptBytes += kept?.count ?? 0
    let keepOpen = kept == nil && watched && keptOpen < Self.openLimit
    if keepOpen { keptOpen += 1 }
    entries[urlPath] = Entry(
      fileSystemPath: fileSystemPath, real: real, info: info, contents: kept, file: keepOpen ? file : nil,
      facts: facts, watched: watched)
    return ServedFile(info: info, real: real, contents: kept.map { .memory($0) } ?? .open(file), facts: facts)
  }

  /// Watches the file at `real` and each folder from the root down to it.
  private func watch(_ real: String) -> Bool {
    guard let watcher, real.hasPrefix(root + "/") else { return false }
    var folder = root
    guard watcher.watch(folder, events: FileWatcher.folderChanges) else { return false }
    for name in real.dropFirst(root.count + 1).split(separator: "/").dropLast() {
      folder += "/" + name
      guard watcher.watch(folder, events: FileWatcher.folderChanges) else { return false }
    }
    return watcher.watch(real, events: FileWatcher.fileChanges)
  }
}
