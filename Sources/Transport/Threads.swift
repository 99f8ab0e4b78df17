import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// A pthread mutex, for the little state shared between threads: start and stop, and WebDAV's
/// lock table. (Swift's futex-based Mutex is invisible to ThreadSanitizer; this one is not.)
public final class Mutex: @unchecked Sendable {
  private var mutex = pthread_mutex_t()
  public init() { pthread_mutex_init(&mutex, nil) }
  deinit { pthread_mutex_destroy(&mutex) }
  public func withLock<R>(_ body: () throws -> R) rethrows -> R {
    pthread_mutex_lock(&mutex)
    defer { pthread_mutex_unlock(&mutex) }
    return try body()
  }
}

/// A counting semaphore, so a starting thread can say when it is ready.
final class Semaphore: @unchecked Sendable {
  private var semaphore = sem_t()
  init() { sem_init(&semaphore, 0, 0) }
  deinit { sem_destroy(&semaphore) }
  func signal() { sem_post(&semaphore) }
  func wait() { while sem_wait(&semaphore) != 0 && errno == EINTR {} }
}

/// A closure to run on a new pthread.
final class ThreadStart: @unchecked Sendable {
  let body: @Sendable () -> Void
  init(_ body: @escaping @Sendable () -> Void) { self.body = body }

  /// `pthread_create` running `body`.
  func spawn() throws(SocketError) -> pthread_t {
    var thread = pthread_t()
    let context = Unmanaged.passRetained(self).toOpaque()
    let rc = pthread_create(
      &thread, nil,
      { raw in
        let start = Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue()
        start.body()
        return nil
      }, context)
    guard rc == 0 else {
      Unmanaged<ThreadStart>.fromOpaque(context).release()
      throw SocketError("pthread_create", errno: rc)
    }
    return thread
  }
}
