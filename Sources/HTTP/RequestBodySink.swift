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

/// A PROPFIND's XML body, kept whole up to 64 KiB (a query names a few properties; more is not
/// kept), then answered by the file service.
final class PropfindBody: RequestBodySink {
  static let limit = 64 * 1024
  private let request: Request
  private let service: FileService
  private var xml: [UInt8] = []

  init(_ request: Request, service: FileService) {
    self.request = request
    self.service = service
  }

  func write(_ bytes: UnsafeRawBufferPointer) {
    guard xml.count + bytes.count <= Self.limit else { return }
    xml += bytes
  }

  func finish() -> Response {
    service.propfind(request, body: xml)
  }
}
