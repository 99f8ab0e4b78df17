import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// A failed system call, with the call's name and the errno it set.
///
/// Every syscall wrapper in this module throws this one type, so an error message always
/// says which step of the socket recipe failed ("bind: Address already in use").
public struct SocketError: Error, Equatable, CustomStringConvertible {
  /// The system call that failed, such as `"bind"` or `"accept4"`.
  public let call: String
  /// The errno value the call set.
  public let errno: Int32

  public init(_ call: String, errno: Int32) {
    self.call = call
    self.errno = errno
  }

  /// Captures the current thread's errno for `call`.
  public static func last(_ call: String) -> SocketError {
    SocketError(call, errno: Glibc.errno)
  }

  public var description: String {
    "\(call): \(String(cString: strerror(errno))) (errno \(errno))"
  }
}

extension SocketError {
  /// The call would have had to wait (EAGAIN or EWOULDBLOCK on a nonblocking descriptor): not a
  /// failure, only "not now"; the reactor says when to try again.
  public var wouldBlock: Bool { errno == EAGAIN || errno == EWOULDBLOCK }
}

/// Runs a system call the one way every wrapper here runs them (swift-system's `valueOrErrno`):
/// retried on EINTR, and -1 turned into a typed error that names the call and keeps its errno.
@inline(__always)
func systemCall<T: FixedWidthInteger>(_ call: StaticString, _ body: () -> T) throws(SocketError) -> T {
  let result = retryingOnInterrupt(body)
  if result == -1 { throw SocketError.last("\(call)") }
  return result
}

/// A nonblocking call run as `systemCall` runs it: its value, or nil when it would have had to
/// wait (`wouldBlock`); any other failure is thrown.
@inline(__always)
func unlessWouldBlock<T: FixedWidthInteger>(_ call: StaticString, _ body: () -> T) throws(SocketError) -> T? {
  do {
    return try systemCall(call, body)
  } catch {
    if error.wouldBlock { return nil }
    throw error
  }
}

/// Runs `body` until it returns something other than -1 with EINTR.
///
/// A signal arriving during a blocking call makes it fail with EINTR; retrying in one place keeps
/// every wrapper free of that loop (the same discipline as swift-system's `valueOrErrno`).
@inline(__always)
func retryingOnInterrupt<T: FixedWidthInteger>(_ body: () -> T) -> T {
  while true {
    let result = body()
    if result == -1 && Glibc.errno == EINTR { continue }
    return result
  }
}
