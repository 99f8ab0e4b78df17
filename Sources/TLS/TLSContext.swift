import COpenSSL
import Synchronization
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// Why TLS could not be set up: a certificate or key that does not load, or does not match.
public struct TLSError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }

  /// The message with OpenSSL's first queued reason, which names the real cause.
  static func openSSL(_ what: String) -> TLSError {
    var reason = ""
    let code = ERR_get_error()
    if code != 0 {
      reason = ": " + openSSLReason(code)
    }
    ERR_clear_error()
    return TLSError(what + reason)
  }
}

/// OpenSSL's text for an error code ("error:0A00010B:SSL routines::wrong version number").
func openSSLReason(_ code: UInt) -> String {
  var text = [CChar](repeating: 0, count: 256)
  ERR_error_string_n(code, &text, text.count)
  return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Where the server's certificate comes from.
public enum CertificateSource: Sendable {
  /// PEM files: the certificate (with its chain) and the private key. Read again on SIGHUP.
  case files(certificate: String, key: String)
  /// A certificate made at start (`--tls-self-signed`).
  case selfSigned(SelfSignedCertificate)
}

/// The server's TLS configuration (an `SSL_CTX`), from which each connection's `TLSSession` is
/// made: TLS 1.2 and 1.3 only with Mozilla's "intermediate" AEAD ciphers, the server's order in
/// 1.2, no renegotiation, no compression, ALPN http/1.1, session tickets under rotating keys.
///
/// `reload()` (on SIGHUP) builds a new context from the files and swaps it in: connections
/// already open keep the one they started with, new ones get the new certificate.
public final class TLSContext: Sendable {
  private let current: Synchronization.Mutex<SSLContextBox>
  public let source: CertificateSource
  /// How long a handshake may take before the connection is cut.
  public let handshakeTimeout: Int64

  /// TLS 1.2's ciphers: ECDHE key exchange and AEAD only (Mozilla intermediate, without DHE).
  /// TLS 1.3's suites are all AEAD; OpenSSL's defaults are kept.
  static let tls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

  public init(source: CertificateSource, handshakeTimeout: Int64 = 10_000) throws(TLSError) {
    self.source = source
    self.handshakeTimeout = handshakeTimeout
    let key = TicketKeyRing.currentKey()
    current = Synchronization.Mutex(SSLContextBox(try Self.makeContext(source, ticketKey: key), ticketKey: key))
  }

  /// Reads the certificate files again; on failure the old certificate stays in use.
  public func reload() throws(TLSError) {
    let key = TicketKeyRing.currentKey()
    let fresh = SSLContextBox(try Self.makeContext(source, ticketKey: key), ticketKey: key)
    current.withLock { $0 = fresh }
  }

  /// A session for a new connection, under the current certificate and ticket key (the context
  /// is made again when the key has rotated; if that fails, the old one serves on).
  public func makeSession() -> TLSSession? {
    let key = TicketKeyRing.currentKey()
    let ssl: OpaquePointer? = current.withLock { box in
      if box.ticketKey != key, let context = try? Self.makeContext(source, ticketKey: key) {
        box = SSLContextBox(context, ticketKey: key)
      }
      return SSL_new(box.context)
    }
    return ssl.map { TLSSession(ssl: $0, handshakeTimeout: handshakeTimeout) }
  }

  /// The certificate in use, for its fingerprint and names.
  public var certificateFingerprint: String? {
    current.withLock { box in
      guard let certificate = SSL_CTX_get0_certificate(box.context) else { return nil }
      return SelfSignedCertificate.fingerprint(of: certificate)
    }
  }

  /// One piece: the settings of one SSL_CTX, each a single call, in the order OpenSSL's manual gives them.
  static func makeContext(_ source: CertificateSource, ticketKey: TicketKeyRing.Key) throws(TLSError) -> OpaquePointer {
    guard let context = SSL_CTX_new(TLS_server_method()) else { throw .openSSL("cannot create a TLS context") }
    func fail(_ what: String) -> TLSError {
      let error = TLSError.openSSL(what)
      SSL_CTX_free(context)
      return error
    }
    guard barenet_ssl_ctx_set_versions(context) == 1 else { throw fail("cannot limit TLS to 1.2 and 1.3") }
    guard SSL_CTX_set_cipher_list(context, tls12Ciphers) == 1 else { throw fail("cannot set the ciphers") }
    guard barenet_ssl_ctx_set_groups(context, "X25519:P-256:P-384") == 1 else { throw fail("cannot set the groups") }
    barenet_ssl_ctx_set_options(context)
    // Idle connections give their read and write buffers back: memory per connection stays small.
    barenet_ssl_ctx_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS))
    // Resumption by tickets only (stateless): no server-side session cache to grow.
    barenet_ssl_ctx_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))
    // One ticket per TLS 1.3 handshake, not OpenSSL's two: a client resumes with one, and each
    // ticket is sealed (AES and HMAC) during the handshake.
    SSL_CTX_set_num_tickets(context, 1)
    var keys = ticketKey.openSSLLayout
    guard barenet_ssl_ctx_set_ticket_keys(context, &keys, keys.count) == 1 else {
      throw fail("cannot set the ticket key")
    }
    barenet_ssl_ctx_use_alpn(context)
    switch source {
    case .files(let certificate, let key):
      guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
        throw fail("cannot load the certificate '\(certificate)'")
      }
      guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
        throw fail("cannot load the key '\(key)'")
      }
    case .selfSigned(let generated):
      guard SSL_CTX_use_certificate(context, generated.certificate) == 1,
        SSL_CTX_use_PrivateKey(context, generated.key) == 1
      else { throw fail("cannot use the self-signed certificate") }
    }
    guard SSL_CTX_check_private_key(context) == 1 else { throw fail("the key does not match the certificate") }
    return context
  }

  /// Whether a key file can be read by others than its owner (a warning at start).
  public static func keyIsExposed(_ path: String) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0 else { return false }
    return info.st_mode & (S_IRGRP | S_IROTH) != 0
  }
}

/// Owns one SSL_CTX reference (each SSL holds its own, so sessions outlive a reload).
final class SSLContextBox: @unchecked Sendable {
  let context: OpaquePointer
  let ticketKey: TicketKeyRing.Key
  init(_ context: OpaquePointer, ticketKey: TicketKeyRing.Key) {
    self.context = context
    self.ticketKey = ticketKey
  }
  deinit { SSL_CTX_free(context) }
}
