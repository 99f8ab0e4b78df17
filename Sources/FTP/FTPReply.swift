/// A reply on the control connection (RFC 959 §4.2): a three-digit code and one or more lines.
public struct FTPReply: Equatable, Sendable, CustomStringConvertible {
  public let code: Int
  public let lines: [String]

  public init(_ code: Int, _ text: String) {
    self.code = code
    self.lines = [text]
  }

  /// A multi-line reply: `first` after "CODE-", `body` lines as given (each should start with a
  /// space so no line can be mistaken for the end), and `last` after "CODE ".
  public init(_ code: Int, first: String, body: [String], last: String) {
    self.code = code
    self.lines = [first] + body + [last]
  }

  /// The reply as it goes on the wire, CRLF-terminated.
  public var wire: String {
    if lines.count == 1 { return "\(code) \(lines[0])\r\n" }
    var text = "\(code)-\(lines[0])\r\n"
    for line in lines.dropFirst().dropLast() { text += line + "\r\n" }
    return text + "\(code) \(lines.last!)\r\n"
  }

  public var description: String { wire }

  /// The positive preliminary reply before a data transfer.
  public var isPreliminary: Bool { code < 200 }
}
