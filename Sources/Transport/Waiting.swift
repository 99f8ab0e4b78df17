import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// Waiting on one socket, for clients that do one thing at a time (the DNS client): `poll`
/// with a timeout instead of a reactor.
extension Socket {
  /// `poll()`: waits until the socket is ready for `interest` or `milliseconds` pass.
  /// Returns false on timeout.
  public func wait(for interest: Interest, milliseconds: Int) -> Bool {
    var entry = pollfd(fd: descriptor, events: 0, revents: 0)
    if interest.contains(.readable) { entry.events |= Int16(POLLIN) }
    if interest.contains(.writable) { entry.events |= Int16(POLLOUT) }
    let deadline = MonotonicClock.milliseconds() + Int64(milliseconds)
    while true {
      let left = max(0, deadline - MonotonicClock.milliseconds())
      let rc = poll(&entry, 1, Int32(left))
      if rc > 0 { return true }
      if rc == 0 { return false }
      if errno != EINTR { return true }  // let the next call report the error
    }
  }

  /// `send()` of all of `bytes` on a connected nonblocking socket, waiting as needed until
  /// `deadline` (monotonic milliseconds).
  public func sendAll(_ bytes: [UInt8], deadline: Int64) throws(SocketError) {
    var offset = 0
    while offset < bytes.count {
      let n = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
      if n > 0 {
        offset += n
        continue
      }
      guard n < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { throw .last("send") }
      let left = Int(deadline - MonotonicClock.milliseconds())
      guard left > 0, wait(for: .writable, milliseconds: left) else { throw SocketError("send", errno: ETIMEDOUT) }
    }
  }

  /// `recv()` of exactly `count` bytes, waiting as needed until `deadline`.
  /// Throws ECONNRESET-like errors, ETIMEDOUT, or EPIPE for an early end of stream.
  public func receiveExactly(_ count: Int, deadline: Int64) throws(SocketError) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    var got = 0
    while got < count {
      let n = out[got...].withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
      if n > 0 {
        got += n
        continue
      }
      if n == 0 { throw SocketError("recv", errno: EPIPE) }
      guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { throw .last("recv") }
      let left = Int(deadline - MonotonicClock.milliseconds())
      guard left > 0, wait(for: .readable, milliseconds: left) else { throw SocketError("recv", errno: ETIMEDOUT) }
    }
    return out
  }
}
