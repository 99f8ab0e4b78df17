#if canImport(Glibc)
  import Glibc
#endif

/// The reading side of a connection: `recv` into the input buffer, backpressure, and the
/// draining `recv` of a calm close.
extension TCPConnection {
  /// Stops reading until `resumeReading()`; the kernel's buffer then fills and TCP flow control
  /// slows the sender.
  public func pauseReading() {
    readingPaused = true
    updateInterest()
  }

  /// Reads again after `pauseReading()`.
  public func resumeReading() {
    readingPaused = false
    updateInterest()
  }

  /// `recv()`: reads what the kernel has for us into `input`.
  /// Returns false when the connection closed or reached EOF.
  func receive() -> Bool {
    var offered = 0
    let descriptor = socket.descriptor
    var failure: SocketError?
    let n = input.append(minimumSpace: readSize) { space in
      offered = space.count
      switch Result(catching: { () throws(SocketError) in
        try systemCall("recv") { recv(descriptor, space.baseAddress, space.count, 0) }
      }) {
      case .success(let n): return n
      case .failure(let error):
        failure = error
        return -1
      }
    }
    if let failure {
      if failure.wouldBlock { return true }
      trace?.event("tcp", "\(failure)")
      abort()
      return false
    }
    if n == 0 {
      reachedEOF = true
      trace?.event("tcp", "recv 0: the peer shut down its sending side (EOF)")
      return false
    }
    // A read that filled all the space offered means a stream (an upload): read bigger next
    // time, up to 256 KiB, so a fast sender costs fewer calls.
    if n == offered && readSize < Self.maximumReadSize { readSize *= 2 }
    bytesReceived += n
    lastInputAt = reactor.now
    trace?.event("tcp", "recv \(n) bytes")
    return true
  }

  /// `recv()` during a calm close: reads and throws input away, closing on EOF or error.
  func drainWhileLingering() {
    let descriptor = socket.descriptor
    do {
      let n = try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { (buffer) throws(SocketError) in
        try systemCall("recv") { recv(descriptor, buffer.baseAddress, buffer.count, 0) }
      }
      if n > 0 { return }
    } catch {
      if error.wouldBlock { return }
    }
    close()
  }
}
