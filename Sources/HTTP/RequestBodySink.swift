/// Where a request's body goes while it arrives, and the answer once all of it has: a PUT's
/// file, an upload form's files, a PROPFIND's XML. `HTTPConnection` feeds one at a time.
protocol RequestBodySink: AnyObject {
  /// Body bytes as they arrive (chunk framing already removed).
  func write(_ bytes: UnsafeRawBufferPointer)
  /// The body is complete: the response.
  func finish() -> Response
}

extension PendingUpload: RequestBodySink {}
extension FormUpload: RequestBodySink {}

/// A WebDAV request's XML body (PROPFIND, PROPPATCH, LOCK), kept whole up to 64 KiB — a body
/// names a few properties; more is refused with 413 — then answered by the planner given.
final class XMLBody: RequestBodySink {
  static let limit = 64 * 1024
  private let request: Request
  private let answer: (Request, [UInt8]) -> Response
  private var xml: [UInt8] = []
  private var tooLarge = false

  init(_ request: Request, answer: @escaping (Request, [UInt8]) -> Response) {
    self.request = request
    self.answer = answer
  }

  func write(_ bytes: UnsafeRawBufferPointer) {
    guard !tooLarge else { return }
    guard xml.count + bytes.count <= Self.limit else {
      tooLarge = true
      xml = []
      return
    }
    xml += bytes
  }

  func finish() -> Response {
    tooLarge ? .error(.contentTooLarge) : answer(request, xml)
  }
}
