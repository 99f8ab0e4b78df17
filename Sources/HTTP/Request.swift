/// A request method (RFC 9110 §9). Methods we know but do not serve get 405; others 501.
public enum Method: Equatable, Sendable {
  case get, head, options, post, put, delete, patch, connect, trace
  /// A method this server does not know at all.
  case other(String)

  init(token: String) {
    switch token {
    case "GET": self = .get
    case "HEAD": self = .head
    case "OPTIONS": self = .options
    case "POST": self = .post
    case "PUT": self = .put
    case "DELETE": self = .delete
    case "PATCH": self = .patch
    case "CONNECT": self = .connect
    case "TRACE": self = .trace
    default: self = .other(token)
    }
  }

  /// The method named by the bytes of a request line's first word; the common ones are matched
  /// without building a string.
  init(token: UnsafeRawBufferPointer) {
    if token.elementsEqual("GET".utf8) {
      self = .get
    } else if token.elementsEqual("HEAD".utf8) {
      self = .head
    } else {
      self.init(token: String(decoding: token, as: UTF8.self))
    }
  }

  /// The method as it appears on the request line.
  public var name: String {
    switch self {
    case .get: "GET"
    case .head: "HEAD"
    case .options: "OPTIONS"
    case .post: "POST"
    case .put: "PUT"
    case .delete: "DELETE"
    case .patch: "PATCH"
    case .connect: "CONNECT"
    case .trace: "TRACE"
    case .other(let token): token
    }
  }
}

/// How the request's body is delimited (RFC 9112 §6.3).
public enum BodyFraming: Equatable, Sendable {
  case none
  case length(Int)
  case chunked
}

/// A parsed request head: the request line and the header fields this server acts on.
///
/// Fields the server does not use are validated for syntax and then dropped, so a request
/// carries no dictionary of strings it will never read.
public struct Request: Equatable, Sendable {
  public var method: Method
  /// The request-target exactly as sent (for the access log).
  public var target: String
  /// The path part of the target, still percent-encoded ("/a%20b/").
  public var path: String
  /// The query after "?", if any.
  public var query: String?
  /// The minor version of HTTP/1.x (0 or 1).
  public var minorVersion: Int
  public var host: String?
  public var framing: BodyFraming = .none
  /// "Connection: close" was sent.
  public var connectionClose = false
  /// "Connection: keep-alive" was sent (matters for HTTP/1.0).
  public var connectionKeepAlive = false
  public var expectContinue = false
  /// The optional fields below, in one array (empty until one is set): a request is copied
  /// several times on its way from parser to response, and one array costs one retain where
  /// fifteen strings cost fifteen.
  private var optionalFields: [String?] = []

  private enum Slot: Int, CaseIterable {
    case ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince, ifRange, range, acceptEncoding
    case contentType, depth, destination, overwrite, authorization, accept, userAgent, referer
    case davIf, lockToken, timeout
  }

  private subscript(slot: Slot) -> String? {
    get { optionalFields.isEmpty ? nil : optionalFields[slot.rawValue] }
    set {
      if optionalFields.isEmpty {
        guard newValue != nil else { return }
        optionalFields = Array(repeating: nil, count: Slot.allCases.count)
      }
      optionalFields[slot.rawValue] = newValue
      // Empty whenever all are nil, so that equal requests compare equal.
      if newValue == nil && optionalFields.allSatisfy({ $0 == nil }) { optionalFields = [] }
    }
  }

  public var ifMatch: String? {
    get { self[.ifMatch] }
    set { self[.ifMatch] = newValue }
  }
  public var ifNoneMatch: String? {
    get { self[.ifNoneMatch] }
    set { self[.ifNoneMatch] = newValue }
  }
  public var ifModifiedSince: String? {
    get { self[.ifModifiedSince] }
    set { self[.ifModifiedSince] = newValue }
  }
  public var ifUnmodifiedSince: String? {
    get { self[.ifUnmodifiedSince] }
    set { self[.ifUnmodifiedSince] = newValue }
  }
  public var ifRange: String? {
    get { self[.ifRange] }
    set { self[.ifRange] = newValue }
  }
  public var range: String? {
    get { self[.range] }
    set { self[.range] = newValue }
  }
  public var acceptEncoding: String? {
    get { self[.acceptEncoding] }
    set { self[.acceptEncoding] = newValue }
  }
  /// The Content-Type of the body (a form upload's multipart boundary is in it).
  public var contentType: String? {
    get { self[.contentType] }
    set { self[.contentType] = newValue }
  }
  /// WebDAV's Depth field ("0", "1", "infinity").
  public var depth: String? {
    get { self[.depth] }
    set { self[.depth] = newValue }
  }
  /// WebDAV's Destination (MOVE, COPY): an absolute URL or a path.
  public var destination: String? {
    get { self[.destination] }
    set { self[.destination] = newValue }
  }
  /// WebDAV's If (RFC 4918 §10.4): lock tokens submitted, and conditions on state and ETags.
  public var davIf: String? {
    get { self[.davIf] }
    set { self[.davIf] = newValue }
  }
  /// WebDAV's Lock-Token, naming the lock an UNLOCK removes.
  public var lockToken: String? {
    get { self[.lockToken] }
    set { self[.lockToken] = newValue }
  }
  /// WebDAV's Timeout, the lifetime a LOCK asks for.
  public var timeout: String? {
    get { self[.timeout] }
    set { self[.timeout] = newValue }
  }
  /// WebDAV's Overwrite: "F" forbids replacing the destination.
  public var overwrite: String? {
    get { self[.overwrite] }
    set { self[.overwrite] = newValue }
  }
  /// The Authorization field (Basic credentials).
  public var authorization: String? {
    get { self[.authorization] }
    set { self[.authorization] = newValue }
  }
  /// The Accept field: a listing is sent as JSON when it prefers application/json.
  public var accept: String? {
    get { self[.accept] }
    set { self[.accept] = newValue }
  }
  public var userAgent: String? {
    get { self[.userAgent] }
    set { self[.userAgent] = newValue }
  }
  public var referer: String? {
    get { self[.referer] }
    set { self[.referer] = newValue }
  }

  /// Whether the request changes the folder (an upload, a new folder): what `--auth-writes-only`
  /// asks an account for.
  public var isWrite: Bool {
    switch method {
    case .put, .delete, .post: true
    case .other(let name): ["MKCOL", "MOVE", "COPY", "PROPPATCH", "LOCK", "UNLOCK"].contains(name)
    default: false
    }
  }

  public init(method: Method, target: String, minorVersion: Int) {
    self.method = method
    self.target = target
    self.minorVersion = minorVersion
    if let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
      path = String(target[..<mark])
      query = String(target[target.utf8.index(after: mark)...])
    } else {
      path = target
    }
  }

  /// The HTTP version as written on a request line.
  public var versionString: String { "HTTP/1.\(minorVersion)" }

  /// The request line as logged: "GET /path HTTP/1.1". Built only when a log or trace asks.
  public var requestLine: String { "\(method.name) \(target) \(versionString)" }

  /// Whether the connection may stay open after the response (RFC 9112 §9.3).
  public var keepAlive: Bool {
    if connectionClose { return false }
    return minorVersion >= 1 || connectionKeepAlive
  }
}
