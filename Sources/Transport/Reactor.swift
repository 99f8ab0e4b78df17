import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// What a descriptor waits for: data to read, room to write, or both.
public struct Interest: OptionSet, Sendable {
  public let rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }
  public static let readable = Interest(rawValue: EPOLLIN.rawValue)
  public static let writable = Interest(rawValue: EPOLLOUT.rawValue)
}

/// Something the reactor wakes up when its descriptor is ready.
public protocol ReadinessHandler: AnyObject {
  /// The descriptor is readable, writable, or has an error/hang-up (then both flags are set, so
  /// the next read or write reports it).
  func ready(readable: Bool, writable: Bool)
  /// Called about twice a second with the reactor's clock, so timeouts need no timer per object.
  func tick(now: Int64)
}

extension ReadinessHandler {
  public func tick(now: Int64) {}
}

/// One event loop: an `epoll` set and the handlers of the descriptors in it, on one thread.
///
/// Everything registered with a reactor is used only from that reactor's thread, so nothing on
/// the per-event path takes a lock. Another thread talks to it only through its `Waker`.
public final class Reactor {
  private let epoll: Int32
  private let wakeEvent: Int32
  /// Handlers indexed by descriptor number: descriptors are small integers, so an array lookup
  /// beats hashing on every event.
  private var handlers: [ReadinessHandler?] = []
  private var running = false
  private var lastTick: Int64 = 0
  /// The loop's clock, read once per batch of events.
  public private(set) var now: Int64 = MonotonicClock.milliseconds()
  /// Called when another thread asks this loop to stop (see `Waker.requestStop`).
  public var onStopRequest: (() -> Void)?
  /// Called after each batch of events, for work that batching makes cheaper (log flushes).
  public var afterBatch: [() -> Void] = []
  /// Called on each tick, before the handlers' own ticks.
  public var onTick: [(Int64) -> Void] = []

  /// A handle that other threads may use to stop the loop.
  public struct Waker: Sendable {
    let descriptor: Int32
    /// Asks the loop to stop; its `onStopRequest` runs on the loop's own thread.
    public func requestStop() {
      var one: UInt64 = 1
      // An eventfd write fails only when its counter would overflow (EAGAIN), and then a
      // wake-up is already pending: nothing is lost.
      _ = Glibc.write(descriptor, &one, 8)
    }
  }

  /// The waker for this loop.
  public var waker: Waker { Waker(descriptor: wakeEvent) }

  /// Creates the epoll set (`epoll_create1`) and its wake-up eventfd.
  public init() throws(SocketError) {
    epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
    guard epoll >= 0 else { throw .last("epoll_create1") }
    wakeEvent = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
    guard wakeEvent >= 0 else {
      let error = SocketError.last("eventfd")
      Glibc.close(epoll)
      throw error
    }
    var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: wakeEvent))
    guard epoll_ctl(epoll, EPOLL_CTL_ADD, wakeEvent, &event) == 0 else {
      let error = SocketError.last("epoll_ctl")
      Glibc.close(wakeEvent)
      Glibc.close(epoll)
      throw error
    }
  }

  deinit {
    Glibc.close(wakeEvent)
    Glibc.close(epoll)
  }

  /// Adds a socket to the set (`epoll_ctl(ADD)`), level-triggered.
  public func register(_ socket: Socket, interest: Interest, handler: ReadinessHandler) throws(SocketError) {
    try add(socket, interest: interest)
    adopt(socket, handler: handler)
  }

  /// Records the handler of a descriptor that is not in the set yet (no system call); `add`
  /// puts it there when it first has to wait.
  public func adopt(_ socket: Socket, handler: ReadinessHandler) {
    let index = Int(socket.descriptor)
    if index >= handlers.count {
      handlers.append(contentsOf: repeatElement(nil, count: index - handlers.count + 64))
    }
    handlers[index] = handler
  }

  /// Adds an adopted socket to the set (`epoll_ctl(ADD)`), level-triggered.
  public func add(_ socket: Socket, interest: Interest) throws(SocketError) {
    try control(EPOLL_CTL_ADD, socket, interest)
  }

  private func control(_ operation: Int32, _ socket: Socket, _ interest: Interest) throws(SocketError) {
    var event = epoll_event(events: interest.rawValue, data: epoll_data_t(fd: socket.descriptor))
    _ = try systemCall("epoll_ctl") { epoll_ctl(epoll, operation, socket.descriptor, &event) }
  }

  /// Drops a descriptor's handler just before the descriptor is closed: `close()` removes it
  /// from the set, so no `epoll_ctl(DEL)` is needed.
  public func forget(_ socket: Socket) {
    if Int(socket.descriptor) < handlers.count {
      handlers[Int(socket.descriptor)] = nil
    }
  }

  /// Changes what a registered socket waits for (`epoll_ctl(MOD)`).
  public func modify(_ socket: Socket, interest: Interest) throws(SocketError) {
    try control(EPOLL_CTL_MOD, socket, interest)
  }

  /// Removes a socket from the set (`epoll_ctl(DEL)`) and forgets its handler; call before
  /// closing it. It fails only for a socket that is not in the set, which the error says.
  public func unregister(_ socket: Socket) throws(SocketError) {
    forget(socket)
    try control(EPOLL_CTL_DEL, socket, [])
  }

  /// Ends `run()` after the current batch of events.
  public func stopRunning() {
    running = false
  }

  /// Runs the loop on the calling thread until `stopRunning()`: `epoll_wait`, dispatch, repeat.
  public func run() {
    running = true
    let capacity = 256
    let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
    defer { events.deallocate() }
    while running {
      _ = turn(events, capacity: capacity, timeoutMilliseconds: 500)
      if now - lastTick >= 500 {
        lastTick = now
        for work in onTick { work(now) }
        for case let handler? in handlers { handler.tick(now: now) }
      }
    }
  }

  /// One turn of the loop without waiting: dispatches whatever is ready now and returns how
  /// many events there were. Tests step a reactor by hand with it (no thread, no timer).
  public func runReady() -> Int {
    withUnsafeTemporaryAllocation(of: epoll_event.self, capacity: 64) { events in
      turn(events.baseAddress!, capacity: events.count, timeoutMilliseconds: 0)
    }
  }

  /// `epoll_wait`, then each ready handler, then the after-batch work.
  private func turn(_ events: UnsafeMutablePointer<epoll_event>, capacity: Int, timeoutMilliseconds: Int32) -> Int {
    let count = epoll_wait(epoll, events, Int32(capacity), timeoutMilliseconds)
    now = MonotonicClock.milliseconds()
    guard count > 0 else { return 0 }
    for i in 0..<Int(count) { dispatch(events[i]) }
    for work in afterBatch { work() }
    return Int(count)
  }

  /// Forgets every handler and callback once the loop is over. Servers and their closures refer
  /// back to the reactor, so without this the objects of a finished loop would keep each other
  /// alive (and LeakSanitizer rightly reports them).
  public func releaseHandlers() {
    handlers.removeAll()
    afterBatch.removeAll()
    onTick.removeAll()
    onStopRequest = nil
  }

  private func dispatch(_ event: epoll_event) {
    let descriptor = event.data.fd
    if descriptor == wakeEvent {
      var value: UInt64 = 0
      // Resets the eventfd's counter; it cannot fail once epoll said it is readable, and a
      // spurious wake-up would only ask the stop handler a second time, which it tolerates.
      _ = Glibc.read(wakeEvent, &value, 8)
      onStopRequest?()
      return
    }
    guard Int(descriptor) < handlers.count, let handler = handlers[Int(descriptor)] else { return }
    let trouble = event.events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
    handler.ready(
      readable: trouble || event.events & EPOLLIN.rawValue != 0,
      writable: trouble || event.events & EPOLLOUT.rawValue != 0)
  }
}
