import COpenSSL
import Testing
import Transport

@testable import TLS

/// The TLS layer as a transform, with no socket: a client made with OpenSSL's memory BIOs and
/// the server's `TLSSession`, bytes carried between them by hand.
@Suite struct TLSSessionTests {
  let context: TLSContext

  init() throws {
    context = try TLSContext(
      source: .selfSigned(try SelfSignedCertificate(names: ["localhost"], addresses: ["127.0.0.1"])))
  }

  /// A client SSL on memory BIOs: (ssl, its incoming BIO, its outgoing BIO).
  final class Client {
    let context: OpaquePointer
    let ssl: OpaquePointer
    let incoming: OpaquePointer
    let outgoing: OpaquePointer

    init(maxVersion: Int32 = TLS1_3_VERSION) {
      context = SSL_CTX_new(TLS_client_method())
      SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
      SSL_CTX_ctrl(context, SSL_CTRL_SET_MAX_PROTO_VERSION, Int(maxVersion), nil)
      SSL_CTX_ctrl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_VERSION), nil)
      ssl = SSL_new(context)
      incoming = BIO_new(BIO_s_mem())
      outgoing = BIO_new(BIO_s_mem())
      SSL_set_bio(ssl, incoming, outgoing)
      SSL_set_connect_state(ssl)
    }

    deinit {
      SSL_free(ssl)
      SSL_CTX_free(context)
    }

    /// Ciphertext the client wants to send.
    func take() -> [UInt8] {
      var bytes: [UInt8] = []
      var buffer = [UInt8](repeating: 0, count: 16384)
      while true {
        let n = BIO_read(outgoing, &buffer, Int32(buffer.count))
        if n <= 0 { return bytes }
        bytes += buffer[0..<Int(n)]
      }
    }

    func give(_ bytes: [UInt8]) { _ = BIO_write(incoming, bytes, Int32(bytes.count)) }
  }

  /// Carries bytes both ways until neither side has anything to say; returns the plaintext the
  /// server opened.
  func pump(_ client: Client, _ server: TLSSession) throws -> [UInt8] {
    var plaintext = InputBuffer()
    for _ in 0..<10 {
      _ = SSL_do_handshake(client.ssl)
      let toServer = client.take()
      if !toServer.isEmpty { _ = try toServer.withUnsafeBytes { try server.open($0, into: &plaintext) } }
      var toClient: [UInt8] = []
      _ = server.sendPending { bytes in
        toClient += bytes
        return bytes.count
      }
      client.give(toClient)
      if toServer.isEmpty && toClient.isEmpty { break }
    }
    return plaintext.bytes
  }

  @Test func aHandshakeAndDataBothWays() throws {
    let client = Client()
    let server = try #require(context.makeSession())
    var agreed: TLSHandshake?
    server.onEstablished = { agreed = $0 }
    _ = try pump(client, server)
    #expect(server.isEstablished && SSL_is_init_finished(client.ssl) == 1)
    #expect(agreed?.version == "TLSv1.3")
    let request = Array("GET / HTTP/1.1\r\n\r\n".utf8)
    #expect(SSL_write(client.ssl, request, Int32(request.count)) == Int32(request.count))
    #expect(try pump(client, server) == request)
    let reply = Array("HTTP/1.1 200 OK\r\n\r\n".utf8)
    #expect(try reply.withUnsafeBytes { try server.seal($0) } == reply.count)
    _ = try pump(client, server)
    var buffer = [UInt8](repeating: 0, count: 100)
    let n = SSL_read(client.ssl, &buffer, 100)
    #expect(Array(buffer[0..<Int(max(0, n))]) == reply)
  }

  @Test func nothingIsSealedBeforeTheHandshake() throws {
    let server = try #require(context.makeSession())
    #expect(try Array("early".utf8).withUnsafeBytes { try server.seal($0) } == 0)
    #expect(server.pendingCount == 0)
  }

  @Test func garbageAndOldVersionsAreRefused() throws {
    let server = try #require(context.makeSession())
    var plaintext = InputBuffer()
    #expect(throws: SecureChannelError.self) {
      _ = try Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8).withUnsafeBytes { try server.open($0, into: &plaintext) }
    }
    let old = try #require(context.makeSession())
    #expect(throws: SecureChannelError.self) { _ = try pump(Client(maxVersion: TLS1_1_VERSION), old) }
    #expect(old.pendingCount > 0)  // the protocol_version alert, for the socket to send
  }

  @Test func closeNotifyBothWays() throws {
    let client = Client()
    let server = try #require(context.makeSession())
    _ = try pump(client, server)
    SSL_shutdown(client.ssl)
    var plaintext = InputBuffer()
    #expect(try client.take().withUnsafeBytes { try server.open($0, into: &plaintext) } == false)
    server.close()
    #expect(server.pendingCount > 0)
  }

  @Test func theTicketKeyRotates() {
    var ring = TicketKeyRing()
    let first = ring.current(now: 1_000_000)
    #expect(ring.current(now: 1_000_000 + 60) == first)
    let second = ring.current(now: 1_000_000 + TicketKeyRing.rotation)
    #expect(second.name != first.name && second.aes != first.aes && second.hmac != first.hmac)
    #expect(second.openSSLLayout.count == 80)
  }

  @Test func aSelfSignedCertificateNamesWhatItServes() throws {
    let certificate = try SelfSignedCertificate(names: ["localhost", "host"], addresses: ["127.0.0.1", "::1"])
    #expect(certificate.fingerprint.split(separator: ":").count == 32)
    #expect(certificate.pem.hasPrefix("-----BEGIN CERTIFICATE-----"))
  }
}
