import ServerCore
import Transport

/// HTTP Basic authentication (RFC 7617) against the users file FTP uses (`barenet passwd`).
///
/// Without `writesOnly` every request needs an account; with it (`--auth-writes-only`) anyone
/// may read and only accounts that may write can upload. A request with no or wrong
/// credentials gets 401 and a challenge; an account without the right to write gets 403.
public struct HTTPAuth: Sendable {
  /// What an account may do.
  public enum Access: Sendable { case read, write }

  /// Shown by browsers in the login prompt.
  public var realm = "barenet"
  public var writesOnly = false
  /// Checks a name and password (constant-time comparison of salted hashes); nil if wrong.
  public var check: @Sendable (_ name: String, _ password: String) -> Access?

  public init(writesOnly: Bool = false, check: @escaping @Sendable (String, String) -> Access?) {
    self.writesOnly = writesOnly
    self.check = check
  }

  /// The warning printed at start when passwords would cross a network in clear text: Basic
  /// auth over plain HTTP on an address other than loopback. Nil when there is nothing to say.
  public static func clearTextWarning(listeningOn address: SocketAddress) -> String? {
    guard !address.isLoopback else { return nil }
    return "barenet: warning: passwords cross the network in clear text (HTTP Basic without TLS) on "
      + "\(address.host); put a TLS proxy in front or bind to 127.0.0.1"
  }

  /// The name and password in an Authorization value "Basic base64(name:password)", or nil.
  public static func credentials(_ header: String?) -> (name: String, password: String)? {
    guard let header else { return nil }
    let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
    guard parts.count == 2, parts[0].lowercased() == "basic",
      let decoded = Base64.decode(String(parts[1].trimmingSpaces)),
      let text = String(validating: decoded, as: UTF8.self),
      let colon = text.firstIndex(of: ":")
    else { return nil }
    return (String(text[..<colon]), String(text[text.index(after: colon)...]))
  }
}

/// Remembers credentials already verified, so a hash that takes milliseconds by design is
/// computed once per account and password, not on every request of a keep-alive connection.
/// One per event loop (no lock); bounded, and wrong passwords are never cached.
final class AuthCache {
  private let auth: HTTPAuth
  private var known: [String: HTTPAuth.Access] = [:]

  init(_ auth: HTTPAuth) { self.auth = auth }

  /// Whether `request` may go on; nil to go on, or the refusal (401 with a challenge, or 403).
  func refusal(for request: Request) -> Response? {
    let writes = request.isWrite
    if auth.writesOnly && !writes { return nil }
    guard let header = request.authorization, let access = access(header) else {
      return .error(
        .unauthorized, [("WWW-Authenticate", "Basic realm=\"\(auth.realm)\", charset=\"UTF-8\"")])
    }
    if writes && access != .write { return .error(.forbidden) }
    return nil
  }

  private func access(_ header: String) -> HTTPAuth.Access? {
    if let access = known[header] { return access }
    guard let (name, password) = HTTPAuth.credentials(header), let access = auth.check(name, password) else {
      return nil
    }
    if known.count >= 1024 { known.removeAll() }
    known[header] = access
    return access
  }
}
