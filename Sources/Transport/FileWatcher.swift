import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// Change notification from the kernel (`inotify`): a cache that is told when a watched file or
/// folder changes need not ask the file system on every use.
///
/// The kernel queues an event while the changing call (write, rename, unlink, chmod) runs, so a
/// change that happened before a client sent its request is always in the queue by the time
/// the request is read: `changedSinceLastCheck()` then reports it.
public final class FileWatcher {
  private let descriptor: Int32

  /// What a watch on a file reports: its contents or status changed, it was moved or deleted.
  public static let fileChanges = UInt32(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVE_SELF | IN_DELETE_SELF)
  /// What a watch on a folder reports: names inside it appeared, went or moved, or the folder
  /// itself changed, moved or was deleted.
  public static let folderChanges = UInt32(
    IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF)
  /// What a watch on a folder above the served one reports: only that it moved or went.
  public static let folderMoves = UInt32(IN_MOVE_SELF | IN_DELETE_SELF)

  /// Creates the watcher (`inotify_init1`, nonblocking); nil if the kernel refuses one.
  public init?() {
    descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    guard descriptor >= 0 else { return nil }
  }

  deinit {
    close(descriptor)
  }

  /// Watches `path` for `events` (`inotify_add_watch`), following a final symlink. Returns
  /// false when the kernel refuses (no such path, or the per-user watch limit reached).
  public func watch(_ path: String, events: UInt32) -> Bool {
    inotify_add_watch(descriptor, path, events | UInt32(IN_MASK_ADD)) >= 0
  }

  /// Whether anything watched changed since the last call: reads (and discards) every queued
  /// event, without waiting. A queue overflow counts as a change.
  public func changedSinceLastCheck() -> Bool {
    var changed = false
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { buffer in
      while read(descriptor, buffer.baseAddress, buffer.count) > 0 { changed = true }
    }
    return changed
  }
}
