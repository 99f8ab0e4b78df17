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
