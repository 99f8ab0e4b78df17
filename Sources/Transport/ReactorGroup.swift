import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// A set of event-loop threads, each running its own `Reactor`.
///
/// `setup` runs on each new thread and builds that loop's servers, so every object tied to a
/// reactor is created and used on one thread only. `stop()` asks each loop to finish gracefully;
/// `wait()` joins the threads.
public final class ReactorGroup: @unchecked Sendable {
  /// What `setup` returns: how the loop stops. `begin` starts a graceful stop and calls its
  /// argument once the loop has nothing left in flight; `force` cuts what remains.
  public struct Stopping {
    public var begin: (@escaping () -> Void) -> Void
    public var force: () -> Void
    public init(begin: @escaping (@escaping () -> Void) -> Void, force: @escaping () -> Void) {
      self.begin = begin
      self.force = force
    }
  }

  private var threads: [pthread_t] = []
  private var wakers: [Reactor.Waker] = []
  private let lock = Mutex()
  /// The first setup error, reported by the thread that hit it.
  private var failure: (any Error)?

  /// How long a graceful stop may take before remaining connections are cut.
  public static let gracefulStopMilliseconds: Int64 = 5000

  /// Starts `count` loops. Throws if any loop's setup throws (all started loops are stopped).
  public init(
    count: Int, setup: @escaping @Sendable (Reactor, Int) throws -> Stopping
  ) throws {
    let ready = Semaphore()
    for index in 0..<count {
      let box = ThreadStart { [self] in
        let reactor: Reactor
        let stopping: Stopping
        do {
          reactor = try Reactor()
          stopping = try setup(reactor, index)
        } catch {
          lock.withLock { self.failure = self.failure ?? error }
          ready.signal()
          return
        }
        lock.withLock { self.wakers.append(reactor.waker) }
        ready.signal()
        Self.serve(reactor, stopping)
      }
      threads.append(try box.spawn())
      ready.wait()
    }
    if let failure = lock.withLock({ self.failure }) {
      stop()
      wait()
      throw failure
    }
  }

  private static func serve(_ reactor: Reactor, _ stopping: Stopping) {
    var deadline: Int64 = 0
    reactor.onStopRequest = { [unowned reactor] in
      guard deadline == 0 else { return }
      deadline = reactor.now + gracefulStopMilliseconds
      stopping.begin { reactor.stopRunning() }
    }
    reactor.onTick.append { now in
      if deadline > 0 && now >= deadline {
        stopping.force()
        reactor.stopRunning()
      }
    }
    reactor.run()
    reactor.releaseHandlers()
  }

  /// Asks every loop to stop gracefully. Safe from any thread, and from a signal-waiting one.
  public func stop() {
    for waker in lock.withLock({ wakers }) { waker.requestStop() }
  }

  /// Blocks until every loop has ended.
  public func wait() {
    for thread in threads { pthread_join(thread, nil) }
    threads.removeAll()
  }
}
