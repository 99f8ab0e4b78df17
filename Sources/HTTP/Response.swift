import Transport

/// A piece of a response body: bytes in memory, a range of an open file (sent by sendfile), or
/// a source that produces `length` bytes as the connection drains (a folder archive).
public enum BodyPart {
  case bytes([UInt8])
  case file(OpenFile, offset: Int, length: Int)
  case stream(OutputSource, length: Int)

  public var count: Int {
    switch self {
    case .bytes(let b): b.count
    case .file(_, _, let length): length
    case .stream(_, let length): length
    }
  }
}

/// A planned response: status, header fields and body, not yet written anywhere.
///
/// The planner fills it; the connection glue serializes the head and queues the parts. Keeping
/// the plan a value means every decision about a response can be tested without a socket.
public struct Response {
  public var status: Status
  public var headers: [(name: String, value: String)] = []
  public var body: [BodyPart] = []
  /// The connection must close after this response (errors that leave the stream unsure).
  public var closeConnection = false
  /// The body's length is not known in advance (a compressed folder download): no
  /// Content-Length is sent and the end of the body is the end of the connection.
  public var closeDelimited = false

  public init(status: Status, headers: [(name: String, value: String)] = [], body: [BodyPart] = []) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  /// The body's length, as Content-Length states it.
  public var contentLength: Int { body.reduce(0) { $0 + $1.count } }

  /// The value of the first header field named `name` (case-insensitive).
  public func header(_ name: String) -> String? {
    let lower = name.lowercased()
    return headers.first { $0.name.lowercased() == lower }?.value
  }

  /// A small HTML page for an error status, with `extra` header fields.
  public static func error(_ status: Status, _ extra: [(name: String, value: String)] = []) -> Response {
    let page =
      "<!DOCTYPE html>\n<html><head><title>\(status)</title></head>"
      + "<body><h1>\(status)</h1><hr><p>barenet</p></body></html>\n"
    var response = Response(status: status, headers: [("Content-Type", "text/html; charset=utf-8")] + extra)
    response.body = [.bytes(Array(page.utf8))]
    return response
  }

  /// Serializes the status line and header fields, adding Date, Server, Content-Length and
  /// Connection, and ending with the blank line. Built as bytes in one buffer: this runs for
  /// every response.
  ///
  /// - Parameters:
  ///   - date: the current IMF-fixdate.
  ///   - connection: the Connection value to send, if any ("close", "keep-alive").
  public func serializedHead(date: String, connection: String?) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(256)
    func add(_ text: String) {
      var text = text
      text.withUTF8 { out.append(contentsOf: $0) }
    }
    add("HTTP/1.1 ")
    add(String(status.code))
    out.append(UInt8(ascii: " "))
    add(status.reason)
    add("\r\nDate: ")
    add(date)
    add("\r\nServer: barenet\r\n")
    for field in headers {
      add(field.name)
      add(": ")
      add(field.value)
      add("\r\n")
    }
    if status.code != 304 && status.code != 204 && status.code >= 200 && !closeDelimited {
      add("Content-Length: ")
      add(String(contentLength))
      add("\r\n")
    }
    if let connection {
      add("Connection: ")
      add(connection)
      add("\r\n")
    }
    add("\r\n")
    return out
  }
}
