/// An HTTP status code with its reason phrase (RFC 9110 §15).
public struct Status: Equatable, Sendable, CustomStringConvertible {
  public let code: Int
  public let reason: String

  public init(_ code: Int, _ reason: String) {
    self.code = code
    self.reason = reason
  }

  public var description: String { "\(code) \(reason)" }

  public static let `continue` = Status(100, "Continue")
  public static let ok = Status(200, "OK")
  public static let created = Status(201, "Created")
  public static let noContent = Status(204, "No Content")
  public static let multistatus = Status(207, "Multi-Status")
  public static let partialContent = Status(206, "Partial Content")
  public static let movedPermanently = Status(301, "Moved Permanently")
  public static let permanentRedirect = Status(308, "Permanent Redirect")
  public static let seeOther = Status(303, "See Other")
  public static let notModified = Status(304, "Not Modified")
  public static let badRequest = Status(400, "Bad Request")
  public static let unauthorized = Status(401, "Unauthorized")
  public static let forbidden = Status(403, "Forbidden")
  public static let notFound = Status(404, "Not Found")
  public static let methodNotAllowed = Status(405, "Method Not Allowed")
  public static let requestTimeout = Status(408, "Request Timeout")
  public static let conflict = Status(409, "Conflict")
  public static let lengthRequired = Status(411, "Length Required")
  public static let preconditionFailed = Status(412, "Precondition Failed")
  public static let contentTooLarge = Status(413, "Content Too Large")
  public static let uriTooLong = Status(414, "URI Too Long")
  public static let unsupportedMediaType = Status(415, "Unsupported Media Type")
  public static let rangeNotSatisfiable = Status(416, "Range Not Satisfiable")
  public static let expectationFailed = Status(417, "Expectation Failed")
  public static let locked = Status(423, "Locked")
  public static let headerFieldsTooLarge = Status(431, "Request Header Fields Too Large")
  public static let internalServerError = Status(500, "Internal Server Error")
  public static let unimplemented = Status(501, "Not Implemented")
  public static let badGateway = Status(502, "Bad Gateway")
  public static let serviceUnavailable = Status(503, "Service Unavailable")
  public static let insufficientStorage = Status(507, "Insufficient Storage")
  public static let versionNotSupported = Status(505, "HTTP Version Not Supported")
}
