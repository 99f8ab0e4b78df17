import COpenSSL

/// An ephemeral ECDSA P-256 certificate made at start (`--tls-self-signed`), for every name and
/// address the server listens on, valid a year (it is made again at each start). Its SHA-256 fingerprint is printed so a user
/// can check, out of band, that the certificate their browser shows is this one.
public final class SelfSignedCertificate: @unchecked Sendable {
  /// The private key (EVP_PKEY) and certificate (X509), owned here.
  let key: OpaquePointer
  let certificate: OpaquePointer
  public let names: [String]
  public let addresses: [String]

  public init(names: [String], addresses: [String]) throws(TLSError) {
    guard let key = barenet_ec_p256_key() else { throw .openSSL("cannot make an ECDSA P-256 key") }
    guard let certificate = X509_new() else {
      EVP_PKEY_free(key)
      throw .openSSL("cannot make a certificate")
    }
    self.key = key
    self.certificate = certificate
    self.names = names
    self.addresses = addresses
    var serial = [UInt8](repeating: 0, count: 8)
    _ = RAND_bytes(&serial, 8)
    serial[0] &= 0x7F  // a positive serial number (RFC 5280 §4.1.2.2)
    let number = serial.reduce(0) { $0 << 8 | Int($1) }
    guard X509_set_version(certificate, 2) == 1, ASN1_INTEGER_set(X509_get_serialNumber(certificate), number) == 1,
      X509_gmtime_adj(X509_getm_notBefore(certificate), -3600) != nil,
      X509_gmtime_adj(X509_getm_notAfter(certificate), 365 * 86400) != nil,
      X509_set_pubkey(certificate, key) == 1
    else { throw .openSSL("cannot fill in the certificate") }
    let subject = X509_get_subject_name(certificate)
    guard X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, names.first ?? "barenet", -1, -1, 0) == 1,
      X509_set_issuer_name(certificate, subject) == 1
    else { throw .openSSL("cannot name the certificate") }
    let alternatives = (names.map { "DNS:\($0)" } + addresses.map { "IP:\($0)" }).joined(separator: ",")
    var context = X509V3_CTX()
    X509V3_set_ctx(&context, certificate, certificate, nil, nil, 0)
    for (nid, value) in [(NID_subject_alt_name, alternatives), (NID_ext_key_usage, "serverAuth")] {
      guard let extensionValue = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
        throw .openSSL("cannot add '\(value)' to the certificate")
      }
      defer { X509_EXTENSION_free(extensionValue) }
      guard X509_add_ext(certificate, extensionValue, -1) == 1 else { throw .openSSL("cannot add an extension") }
    }
    guard X509_sign(certificate, key, EVP_sha256()) > 0 else { throw .openSSL("cannot sign the certificate") }
  }

  deinit {
    X509_free(certificate)
    EVP_PKEY_free(key)
  }

  /// "AB:CD:…": the SHA-256 of the certificate's DER, as browsers and `openssl x509 -fingerprint` show it.
  public var fingerprint: String { Self.fingerprint(of: certificate) }

  static func fingerprint(of certificate: OpaquePointer) -> String {
    var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length: UInt32 = 0
    X509_digest(certificate, EVP_sha256(), &digest, &length)
    let hex = Array("0123456789ABCDEF")
    return digest.prefix(Int(length)).map { String([hex[Int($0 >> 4)], hex[Int($0 & 15)]]) }.joined(separator: ":")
  }

  /// The certificate in PEM, for a client to trust (`curl --cacert`).
  public var pem: String {
    guard let bio = BIO_new(BIO_s_mem()) else { return "" }
    defer { BIO_free(bio) }
    PEM_write_bio_X509(bio, certificate)
    var pointer: UnsafeMutablePointer<CChar>?
    let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer)
    guard let pointer, length > 0 else { return "" }
    return String(decoding: UnsafeRawBufferPointer(start: pointer, count: Int(length)), as: UTF8.self)
  }
}
