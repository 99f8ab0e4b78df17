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
      let sent = try bytes[offset...].withUnsafeBytes { raw in
        Result { () throws(SocketError) in
          try unlessWouldBlock("send") { send(descriptor, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL)) }
        }
      }.get()
      if let sent, sent > 0 {
        offset += sent
        continue
      }
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
      let received = try out[got...].withUnsafeMutableBytes { raw in
        Result { () throws(SocketError) in
          try unlessWouldBlock("recv") { recv(descriptor, raw.baseAddress, raw.count, 0) }
        }
      }.get()
      if let received {
        if received == 0 { throw SocketError("recv", errno: EPIPE) }
        got += received
        continue
      }
      let left = Int(deadline - MonotonicClock.milliseconds())
      guard left > 0, wait(for: .readable, milliseconds: left) else { throw SocketError("recv", errno: ETIMEDOUT) }
    }
    return out
  }
}
