import Foundation

/// A test certificate authority and server certificates it signed, made with the openssl
/// command in a folder of their own: what `curl --cacert` and Python trust in the TLS tests.
public final class TestCertificates: @unchecked Sendable {
  public let folder: String
  public var caCertificate: String { folder + "/ca.pem" }

  public init() throws {
    folder = NSTemporaryDirectory() + "barenet-certs-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try openssl([
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "365",
      "-subj", "/CN=barenet test CA", "-keyout", folder + "/ca.key", "-out", caCertificate,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ])
  }

  deinit { try? FileManager.default.removeItem(atPath: folder) }

  /// A server certificate named `name` (with localhost, 127.0.0.1 and ::1), signed by the CA.
  /// Returns the paths of the certificate (with the CA after it: a chain) and its key (0600).
  public func server(_ name: String = "server") throws -> (certificate: String, key: String) {
    let key = folder + "/\(name).key"
    let request = folder + "/\(name).csr"
    let certificate = folder + "/\(name).pem"
    try openssl([
      "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=\(name)", "-keyout", key,
      "-out", request,
    ])
    let extensions = folder + "/\(name).ext"
    try "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n".write(
      toFile: extensions, atomically: true, encoding: .utf8)
    try openssl([
      "x509", "-req", "-in", request, "-CA", caCertificate, "-CAkey", folder + "/ca.key", "-CAcreateserial",
      "-days", "365", "-extfile", extensions, "-out", certificate,
    ])
    let chain =
      try String(contentsOfFile: certificate, encoding: .utf8) + String(contentsOfFile: caCertificate, encoding: .utf8)
    try chain.write(toFile: certificate, atomically: true, encoding: .utf8)
    chmod(key, 0o600)
    return (certificate, key)
  }

  /// The SHA-256 fingerprint of a PEM certificate file, as `openssl x509 -fingerprint` prints it.
  public func fingerprint(_ certificate: String) throws -> String {
    let r = try Command.run("openssl", ["x509", "-in", certificate, "-noout", "-fingerprint", "-sha256"])
    return String(r.out.split(separator: "=").last ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
  }

  private func openssl(_ arguments: [String]) throws {
    let r = try Command.run("openssl", arguments)
    guard r.status == 0 else { throw Command.NotFound(program: "openssl \(arguments.first ?? ""): \(r.err)") }
  }
}
