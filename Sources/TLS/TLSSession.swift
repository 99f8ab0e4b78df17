import COpenSSL
import Transport

/// One TLS connection, driven sans-I/O through two memory BIOs: ciphertext the socket received
/// goes into `incoming`, OpenSSL's records come out of `outgoing`, and the connection (not
/// OpenSSL) does every `recv` and `send`.
///
/// Memory BIOs rather than `SSL_set_fd`: the reactor keeps the socket (readiness, backpressure,
/// calm close, traces work as for plain TCP), and unit tests drive a handshake with no socket.
/// The price is one copy of the ciphertext each way, small beside the cipher itself.
public final class TLSSession: SecureChannel {
  let ssl: OpaquePointer
  /// Ciphertext from the peer, for OpenSSL to read (owned by `ssl`).
  private let incoming: OpaquePointer
  /// Records OpenSSL wrote, for the socket (owned by `ssl`).
  private let outgoing: OpaquePointer
  public let handshakeTimeout: Int64
  public private(set) var isEstablished = false
  /// Whether new session tickets are sent after the handshake. Off where the client never
  /// reads (an FTPS upload): unread tickets make its kernel answer our close with a reset that
  /// destroys the end of the upload.
  public var issuesTickets = true {
    didSet { SSL_set_num_tickets(ssl, issuesTickets ? 1 : 0) }
  }
  /// The handshake must resume an earlier session (FTPS data connections with
  /// `--tls-data-reuse`: only a client holding the control connection's session can).
  public var requireResumption = false
  /// Called once when the handshake completes, with its description (for `--trace`).
  public var onEstablished: ((TLSHandshake) -> Void)?
  /// Called with a line for each record header read or written (for `--trace`); setting it
  /// asks OpenSSL to report them.
  public var onRecord: ((String) -> Void)? {
    didSet {
      SSL_set_msg_callback(ssl, onRecord == nil ? nil : recordCallback)
      barenet_ssl_set_msg_callback_arg(ssl, onRecord == nil ? nil : Unmanaged.passUnretained(self).toOpaque())
    }
  }

  init(ssl: OpaquePointer, handshakeTimeout: Int64) {
    self.ssl = ssl
    incoming = BIO_new(BIO_s_mem())
    outgoing = BIO_new(BIO_s_mem())
    barenet_bio_set_eof_retry(incoming)
    barenet_bio_set_eof_retry(outgoing)
    SSL_set_bio(ssl, incoming, outgoing)
    SSL_set_accept_state(ssl)
    self.handshakeTimeout = handshakeTimeout
  }

  deinit {
    SSL_free(ssl)  // frees both BIOs too
  }

  // MARK: SecureChannel

  public func open(_ ciphertext: UnsafeRawBufferPointer, into plaintext: inout InputBuffer) throws(SecureChannelError)
    -> Bool
  {
    if ciphertext.count > 0 {
      guard BIO_write(incoming, ciphertext.baseAddress, Int32(ciphertext.count)) == ciphertext.count else {
        throw SecureChannelError("could not buffer \(ciphertext.count) bytes of ciphertext")
      }
    }
    if !isEstablished {
      let result = SSL_do_handshake(ssl)
      if result != 1 {
        try check(result, during: "handshake")
        return true
      }
      try established()
    }
    while true {
      var read = 0
      // 4 KiB at a time: a request fits, and an idle connection's buffer stays small.
      _ = plaintext.append(minimumSpace: 4096) { space in
        read = Int(SSL_read(ssl, space.baseAddress, Int32(space.count)))
        return read
      }
      if read > 0 { continue }
      let error = SSL_get_error(ssl, Int32(read))
      switch error {
      case SSL_ERROR_WANT_READ: return true
      case SSL_ERROR_ZERO_RETURN: return false  // the peer's close_notify
      default: try check(Int32(read), during: "read")
      }
      return true
    }
  }

  public func seal(_ plaintext: UnsafeRawBufferPointer) throws(SecureChannelError) -> Int {
    guard isEstablished, plaintext.count > 0 else { return 0 }
    let written = SSL_write(ssl, plaintext.baseAddress, Int32(plaintext.count))
    if written <= 0 { try check(written, during: "write") }
    return max(0, Int(written))
  }

  public var pendingCount: Int { Int(barenet_bio_pending(outgoing)) }

  /// Sends straight from the memory BIO's buffer, then drops what the socket took (a read into
  /// scratch: a memory BIO can only be consumed by reading); the rest waits there.
  public func sendPending(_ send: (UnsafeRawBufferPointer) -> Int) -> Int {
    var data: UnsafeMutablePointer<CChar>?
    let count = Int(BIO_ctrl(outgoing, BIO_CTRL_INFO, 0, &data))
    guard count > 0, let data else { return 0 }
    let sent = send(UnsafeRawBufferPointer(start: data, count: count))
    guard sent > 0 else { return sent }
    withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 16) { scratch in
      var dropped = 0
      while dropped < sent {
        let n = BIO_read(outgoing, scratch.baseAddress, Int32(min(scratch.count, sent - dropped)))
        if n <= 0 { break }
        dropped += Int(n)
      }
    }
    return sent
  }

  public func close() {
    SSL_shutdown(ssl)
  }

  // MARK: Inside

  /// Turns an OpenSSL failure into an error with its reason; "want read" is not a failure.
  private func check(_ result: Int32, during step: String) throws(SecureChannelError) {
    let error = SSL_get_error(ssl, result)
    if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { return }
    var reasons: [String] = []
    while case let code = ERR_get_error(), code != 0 {
      reasons.append(openSSLReason(code))
    }
    ERR_clear_error()
    throw SecureChannelError("TLS \(step) failed: " + (reasons.first ?? "error \(error)"))
  }

  private func established() throws(SecureChannelError) {
    let handshake = TLSHandshake(ssl: ssl)
    onEstablished?(handshake)
    if requireResumption && !handshake.resumed {
      throw SecureChannelError("the handshake did not resume an earlier TLS session")
    }
    isEstablished = true
  }
}

/// OpenSSL's message callback: for each record header (content type 256, five bytes: type,
/// version, length) a line "record in: handshake, 512 bytes".
let recordCallback:
  @convention(c) (Int32, Int32, Int32, UnsafeRawPointer?, Int, OpaquePointer?, UnsafeMutableRawPointer?) -> Void = {
    writing, _, contentType, buffer, length, _, argument in
    guard contentType == SSL3_RT_HEADER, length >= 5, let buffer, let argument else { return }
    let header = buffer.assumingMemoryBound(to: UInt8.self)
    let names: [UInt8: String] = [20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data"]
    let size = Int(header[3]) << 8 | Int(header[4])
    let session = Unmanaged<TLSSession>.fromOpaque(argument).takeUnretainedValue()
    session.onRecord?(
      "record \(writing == 1 ? "out" : "in"): \(names[header[0]] ?? "type \(header[0])"), \(size) bytes")
  }

/// What a completed handshake agreed, for `--trace` and the logs.
public struct TLSHandshake: Sendable, CustomStringConvertible {
  public let version: String
  public let cipher: String
  public let group: String?
  public let alpn: String?
  public let serverName: String?
  public let resumed: Bool

  init(ssl: OpaquePointer) {
    version = String(cString: SSL_get_version(ssl))
    cipher = String(cString: SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)))
    group = barenet_ssl_group_name(ssl).map { String(cString: $0) }
    var protocolName: UnsafePointer<UInt8>?
    var length: UInt32 = 0
    SSL_get0_alpn_selected(ssl, &protocolName, &length)
    alpn = protocolName.map { String(decoding: UnsafeBufferPointer(start: $0, count: Int(length)), as: UTF8.self) }
    serverName = barenet_ssl_servername(ssl).map { String(cString: $0) }
    resumed = SSL_session_reused(ssl) == 1
  }

  public var description: String {
    var parts = ["\(version) \(cipher)"]
    if let group { parts.append("group \(group)") }
    parts.append("ALPN \(alpn ?? "none")")
    parts.append("SNI \(serverName ?? "none")")
    parts.append(resumed ? "resumed" : "full handshake")
    return parts.joined(separator: ", ")
  }
}
