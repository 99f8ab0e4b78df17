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
  public var headers: [(name: String, value: String)] = [] {
    didSet { preparedFields = nil }
  }
  /// `headers` already serialized, set by a planner that keeps them per file; any change to
  /// `headers` drops it, so the two never disagree.
  var preparedFields: [UInt8]?
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
  /// Connection, and ending with the blank line. This runs for every response, so the exact
  /// size is counted first and every piece copied once into a buffer of that size.
  ///
  /// - Parameters:
  ///   - date: the current IMF-fixdate.
  ///   - connection: the Connection value to send, if any ("close", "keep-alive").
  public func serializedHead(date: String, connection: String?, fixedFields: String? = nil) -> [UInt8] {
    let length: Int? =
      status.code != 304 && status.code != 204 && status.code >= 200 && !closeDelimited ? contentLength : nil
    var size =
      48 + status.reason.utf8.count + date.utf8.count + (connection.map { $0.utf8.count + 14 } ?? 0)
      + (fixedFields?.utf8.count ?? 0)
    if let preparedFields {
      size += preparedFields.count
    } else {
      for field in headers { size += field.name.utf8.count + field.value.utf8.count + 4 }
    }
    if length != nil { size += 40 }
    return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
      var out = HeadWriter(buffer.baseAddress!)
      out.add("HTTP/1.1 ")
      out.add(decimal: status.code)
      out.add(" ")
      out.add(status.reason)
      out.add("\r\nDate: ")
      out.add(date)
      out.add("\r\nServer: barenet\r\n")
      if let fixedFields { out.add(fixedFields) }
      if let preparedFields {
        out.add(preparedFields)
      } else {
        out.add(fields: headers)
      }
      if let length {
        out.add("Content-Length: ")
        out.add(decimal: length)
        out.add("\r\n")
      }
      if let connection {
        out.add("Connection: ")
        out.add(connection)
        out.add("\r\n")
      }
      out.add("\r\n")
      count = out.position
    }
  }

  /// Header fields as they appear in a head ("Name: value\r\n" each), for a planner to keep.
  static func serialized(fields: [(name: String, value: String)]) -> [UInt8] {
    let size = fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
    return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
      var out = HeadWriter(buffer.baseAddress!)
      out.add(fields: fields)
      count = out.position
    }
  }
}

/// Copies the pieces of a response head into memory sized for them beforehand.
private struct HeadWriter {
  let base: UnsafeMutablePointer<UInt8>
  var position = 0

  init(_ base: UnsafeMutablePointer<UInt8>) { self.base = base }

  mutating func add(fields: [(name: String, value: String)]) {
    for field in fields {
      add(field.name)
      add(": ")
      add(field.value)
      add("\r\n")
    }
  }

  mutating func add(_ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { raw in
      if let start = raw.baseAddress { (base + position).update(from: start, count: raw.count) }
    }
    position += bytes.count
  }

  mutating func add(_ text: StaticString) {
    (base + position).update(from: text.utf8Start, count: text.utf8CodeUnitCount)
    position += text.utf8CodeUnitCount
  }

  mutating func add(_ text: String) {
    let copied = text.utf8.withContiguousStorageIfAvailable { bytes in
      if let start = bytes.baseAddress { (base + position).update(from: start, count: bytes.count) }
      return bytes.count
    }
    if let copied {
      position += copied
    } else {
      for byte in text.utf8 {
        base[position] = byte
        position += 1
      }
    }
  }

  /// A non-negative number in decimal digits (at most 20).
  mutating func add(decimal value: Int) {
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
    var count = 0
    var rest = UInt64(max(value, 0))
    withUnsafeMutableBytes(of: &digits) { scratch in
      repeat {
        scratch[23 - count] = UInt8(48 + rest % 10)
        rest /= 10
        count += 1
      } while rest > 0
      (base + position).update(
        from: scratch.baseAddress!.assumingMemoryBound(to: UInt8.self) + 24 - count, count: count)
    }
    position += count
  }
}
