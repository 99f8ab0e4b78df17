/// What a listener says about TLS: a TLS listener may send Strict-Transport-Security
/// (`--hsts`); a plain one may send every request to the HTTPS listener (`--redirect-https`).
public struct TransportSecurity: Sendable {
  /// The HTTPS port plain HTTP requests are redirected to (308), or nil to serve them.
  public var redirectToPort: Int?
  /// Whether responses carry Strict-Transport-Security (only ever set on a TLS listener: a
  /// browser ignores it over plain HTTP, RFC 6797 §8.1).
  public var strictTransportSecurity = false
  /// Whether responses may be gzipped. Off on a TLS listener: compression under encryption
  /// lets an attacker who can inject text into a page learn secrets from the sizes of the
  /// records (BREACH); a file server cannot know which pages hold a secret. `--tls-gzip`
  /// turns it back on.
  public var compression = true

  public init() {}

  /// One year, as the HSTS preload list asks; without includeSubDomains, which is the site
  /// owner's call, not a file server's.
  static let hstsField = "Strict-Transport-Security: max-age=31536000\r\n"

  /// The fields every response of this listener carries, already in head form.
  var fixedFields: String? { strictTransportSecurity ? Self.hstsField : nil }

  /// 308 Permanent Redirect to the same target over HTTPS: the method and body are kept (unlike
  /// 301), so an upload is not silently turned into a GET. The host is the one the client asked
  /// for, without its port.
  func redirect(_ request: Request, toPort port: Int) -> Response {
    guard let host = request.host.map(Self.hostWithoutPort), !host.isEmpty else {
      return .error(.badRequest)
    }
    let authority = port == 443 ? host : "\(host):\(port)"
    let target = request.target.hasPrefix("/") ? request.target : "/"
    return .error(.permanentRedirect, [("Location", "https://\(authority)\(target)")])
  }

  /// "example.com:8080" → "example.com"; "[::1]:8080" → "[::1]".
  static func hostWithoutPort(_ host: String) -> String {
    if host.hasPrefix("["), let close = host.firstIndex(of: "]") { return String(host[...close]) }
    return String(host.prefix { $0 != ":" })
  }
}
