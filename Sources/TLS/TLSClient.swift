import COpenSSL
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// The client side of TLS over a connected socket, for `barenet dns +tls` (DNS over TLS,
/// RFC 7858): a blocking exchange with deadlines, so OpenSSL reads and writes the socket itself
/// (`SSL_set_fd`) and each "want read/write" waits on it.
public final class TLSClient {
  /// How the server's certificate is checked.
  public enum Verification: Sendable {
    /// Not at all (dig's default without `+tls-ca`: opportunistic privacy).
    case none
    /// Against the system's CAs, or those in a PEM file, and for `name` (a host name or an IP
    /// address).
    case certificate(caFile: String?, name: String)
  }

  private let context: OpaquePointer
  private let ssl: OpaquePointer
  private let socket: Socket

  /// Prepares TLS on `socket` (already connected). `serverName` goes in SNI.
  public init(socket: Socket, serverName: String?, verification: Verification) throws(TLSError) {
    guard let context = SSL_CTX_new(TLS_client_method()) else { throw .openSSL("cannot create a TLS context") }
    self.context = context
    self.socket = socket
    guard barenet_ssl_ctx_set_versions(context) == 1, let ssl = SSL_new(context) else {
      SSL_CTX_free(context)
      throw .openSSL("cannot set up TLS")
    }
    self.ssl = ssl
    if case .certificate(let caFile, let name) = verification {
      SSL_set_verify(ssl, SSL_VERIFY_PEER, nil)
      let loaded =
        caFile.map { SSL_CTX_load_verify_locations(context, $0, nil) } ?? SSL_CTX_set_default_verify_paths(context)
      guard loaded == 1 else {
        throw .openSSL("cannot load the trusted certificates\(caFile.map { " '\($0)'" } ?? "")")
      }
      let parameters = SSL_get0_param(ssl)
      // An address is checked against the certificate's IP names, a host name against its DNS names.
      let checked =
        IPAddressText.isAddress(name)
        ? X509_VERIFY_PARAM_set1_ip_asc(parameters, name) : X509_VERIFY_PARAM_set1_host(parameters, name, 0)
      guard checked == 1 else { throw .openSSL("cannot check the name '\(name)'") }
    }
    if let serverName, !IPAddressText.isAddress(serverName) {
      _ = barenet_ssl_set_server_name(ssl, serverName)
    }
    SSL_set_fd(ssl, socket.descriptor)
  }

  deinit {
    SSL_free(ssl)
    SSL_CTX_free(context)
  }

  /// The handshake, waiting on the socket until `deadline` (MonotonicClock milliseconds).
  public func handshake(deadline: Int64) throws(TLSError) {
    try retry(deadline, "handshake") { SSL_connect(ssl) }
  }

  /// Sends all of `bytes` as records.
  public func send(_ bytes: [UInt8], deadline: Int64) throws(TLSError) {
    var sent = 0
    while sent < bytes.count {
      let n = try retry(deadline, "write") {
        bytes[sent...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
      }
      sent += Int(n)
    }
  }

  /// Reads exactly `count` bytes of plaintext.
  public func receive(exactly count: Int, deadline: Int64) throws(TLSError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
      let n = try retry(deadline, "read") {
        bytes.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress! + filled, Int32(count - filled)) }
      }
      filled += Int(n)
    }
    return bytes
  }

  /// Our close_notify (the socket's close is the caller's).
  public func close() { SSL_shutdown(ssl) }

  /// "TLSv1.3 TLS_AES_256_GCM_SHA384", once the handshake is done.
  public var summary: String {
    "\(String(cString: SSL_get_version(ssl))) \(String(cString: SSL_CIPHER_get_name(SSL_get_current_cipher(ssl))))"
  }

  /// Runs an OpenSSL call until it succeeds, waiting on the socket for "want read/write".
  @discardableResult
  private func retry(_ deadline: Int64, _ step: String, _ call: () -> Int32) throws(TLSError) -> Int32 {
    while true {
      let result = call()
      if result > 0 { return result }
      let error = SSL_get_error(ssl, result)
      let interest: Interest
      switch error {
      case SSL_ERROR_WANT_READ: interest = .readable
      case SSL_ERROR_WANT_WRITE: interest = .writable
      case SSL_ERROR_ZERO_RETURN: throw TLSError("the server closed the TLS connection")
      default:
        let verify = SSL_get_verify_result(ssl)
        if verify != Int(X509_V_OK) {
          let reason = String(cString: X509_verify_cert_error_string(verify))
          ERR_clear_error()
          throw TLSError("TLS \(step) failed: certificate verify failed: \(reason)")
        }
        throw .openSSL("TLS \(step) failed")
      }
      let left = Int(deadline - MonotonicClock.milliseconds())
      guard left > 0, socket.wait(for: interest, milliseconds: left) else { throw TLSError("TLS \(step) timed out") }
    }
  }
}

/// Whether a string is an IPv4 or IPv6 address (then it is matched as an IP name, never in SNI).
enum IPAddressText {
  static func isAddress(_ text: String) -> Bool {
    var v4 = in_addr()
    var v6 = in6_addr()
    return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
  }
}
