#if canImport(Glibc)
  import Glibc
#endif

/// The connection when a `SecureChannel` (TLS) sits between the socket and the application:
/// `recv` brings ciphertext that the channel opens into `input`; the output queue's plaintext —
/// byte runs, and file ranges read with `pread` in place of `sendfile` — is sealed into records
/// and sent with `send`.
extension TCPConnection {
  /// Starts TLS on a connection that began in the clear (FTP's AUTH TLS, RFC 4217 §4): what is
  /// queued now (the 234 reply) still goes out in the clear, then every byte is TLS.
  public func startSecure(_ channel: SecureChannel) {
    guard isOpen, secure == nil else { return }
    upgrade = channel
    flush()
  }

  /// The switch itself: bytes that arrived after the command that asked for it are already the
  /// client's first records.
  func switchToSecure(_ channel: SecureChannel) {
    upgrade = nil
    secure = channel
    trace?.event("tls", "the connection turns to TLS")
    if !input.isEmpty {
      let early = input.bytes
      input.consume(early.count)
      var failure: SecureChannelError?
      early.withUnsafeBytes { raw in
        do throws(SecureChannelError) { _ = try channel.open(raw, into: &input) } catch { failure = error }
      }
      if let failure {
        trace?.event("tls", "closing: \(failure)")
        abort()
        return
      }
    }
    flushSecure(channel)
  }

  /// The most plaintext sealed at once: four full TLS records, so a file goes out in large
  /// records while the ciphertext held for the socket stays small.
  static let sealChunk = 64 * 1024

  /// `recv()` of ciphertext, opened by the channel into `input`. Returns false when the
  /// connection closed, reached EOF or the peer closed its TLS side.
  func receiveSecure(_ channel: SecureChannel) -> Bool {
    let descriptor = socket.descriptor
    var received = 0
    var failure: SocketError?
    var peerOpen = true
    var refused: SecureChannelError?
    withUnsafeTemporaryAllocation(byteCount: 16 * 1024 + 64, alignment: 16) { buffer in
      switch Result(catching: { () throws(SocketError) in
        try systemCall("recv") { recv(descriptor, buffer.baseAddress, buffer.count, 0) }
      }) {
      case .failure(let error): failure = error
      case .success(let n):
        received = n
        guard n > 0 else { return }
        trace?.event("tcp", "recv \(n) bytes")  // before the records it holds are traced
        do throws(SecureChannelError) {
          peerOpen = try channel.open(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), into: &input)
        } catch {
          refused = error
        }
      }
    }
    if let failure {
      if failure.wouldBlock { return true }
      trace?.event("tcp", "\(failure)")
      abort()
      return false
    }
    if let refused {
      trace?.event("tls", "closing: \(refused)")
      flushPendingCiphertext(channel)  // the alert that says why, if the socket takes it
      abort()
      return false
    }
    bytesReceived += received
    if received == 0 || !peerOpen {
      reachedEOF = true
      trace?.event(
        received == 0 ? "tcp" : "tls",
        received == 0
          ? "recv 0: the peer shut down its sending side (EOF)" : "the peer's close_notify: it sends no more")
      return false
    }
    lastInputAt = reactor.now
    return true
  }

  /// Seals queued plaintext (and, when closing, our close_notify) behind the ciphertext already
  /// waiting, then sends it all: a handshake's ticket, the response and the closing alert leave
  /// in one `send`. Repeats until the queue is empty or the socket is full.
  func flushSecure(_ channel: SecureChannel) {
    while true {
      while channel.isEstablished && !output.isEmpty && channel.pendingCount < Self.sealChunk {
        guard let taken = sealFront(channel) else { return }
        if taken == 0 { break }
      }
      if output.isEmpty && closeWhenDrained && !closeNotified && channel.isEstablished {
        closeNotified = true
        channel.close()
      }
      guard flushPendingCiphertext(channel) else { return }
      if channel.pendingCount > 0 { break }  // the socket is full: wait for writability
      if output.isEmpty && closeWhenDrained {
        beginLinger()
        return
      }
      if output.isEmpty || !channel.isEstablished { break }
    }
    updateInterest()
  }

  /// Seals the plaintext at the front of the queue. Returns the bytes taken, nil after closing.
  private func sealFront(_ channel: SecureChannel) -> Int? {
    var taken = 0
    var failure: String?
    switch output.front {
    case .empty:
      return 0
    case .source(let source):
      do { output.expandFront(with: try source.nextPieces()) } catch { failure = "output source failed: \(error)" }
      if failure == nil { return sealFront(channel) }  // seal what the source gave
    case .bytes:
      // A response's head and body are gathered into one buffer and sealed as one record, not
      // one record each: fewer records, fewer cipher calls, fewer bytes on the wire.
      output.withGatheredBytes { vectors in
        let total = min(vectors.reduce(0) { $0 + $1.iov_len }, Self.sealChunk)
        withUnsafeTemporaryAllocation(byteCount: total, alignment: 16) { buffer in
          var filled = 0
          for vector in vectors where filled < total {
            let n = min(vector.iov_len, total - filled)
            (buffer.baseAddress! + filled).copyMemory(from: vector.iov_base!, byteCount: n)
            filled += n
          }
          do { taken = try channel.seal(UnsafeRawBufferPointer(buffer)) } catch { failure = "\(error)" }
        }
      }
    case .file(let file, let offset, let length):
      withUnsafeTemporaryAllocation(byteCount: min(length, Self.sealChunk), alignment: 16) { buffer in
        let n = pread(file.descriptor, buffer.baseAddress, buffer.count, off_t(offset))
        guard n > 0 else {
          // The file shrank under us (or cannot be read): cut the connection, never a wrong body.
          failure = n == 0 ? "the file shrank while being sent" : "pread failed: errno \(errno)"
          return
        }
        do { taken = try channel.seal(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) } catch {
          failure = "\(error)"
        }
      }
    }
    if let failure {
      trace?.event("tls", failure)
      abort()
      return nil
    }
    if taken > 0 {
      trace?.event("tls", "sealed \(taken) bytes of plaintext")
      output.advance(by: taken)
    }
    return taken
  }

  /// `send()` of the channel's waiting ciphertext. False after closing on error.
  @discardableResult
  func flushPendingCiphertext(_ channel: SecureChannel) -> Bool {
    let descriptor = socket.descriptor
    var failure: SocketError?
    while channel.pendingCount > 0 {
      let sent = channel.sendPending { bytes in
        do throws(SocketError) {
          return try systemCall("send") { send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
        } catch {
          if !error.wouldBlock { failure = error }
          return error.wouldBlock ? 0 : -1
        }
      }
      if let failure {
        trace?.event("tcp", "send failed: \(failure)")
        abort()
        return false
      }
      if sent == 0 { return true }
      trace?.event("tcp", "send \(sent) bytes (TLS records)")
      noteProgress(sent)
    }
    return true
  }
}
