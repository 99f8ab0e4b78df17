// Fuzz target: the HTTP request parser, the range/conditional header logic, and the parsers
// of what a request body or field may hold: multipart forms, WebDAV XML through expat (PROPFIND,
// PROPPATCH, LOCK bodies) and its re-serialization, the If and Timeout fields, Basic credentials.
// Built with -sanitize=fuzzer by scripts/fuzz; a plain build replays files given as arguments.
import HTTP

/// Feeds one input to the parser in pieces, as a connection would, and to the header logic.
/// Called by FuzzSupport for each input: from libFuzzer, or when replaying kept inputs.
@_cdecl("barenet_fuzz_one")
func fuzzOne(_ start: UnsafePointer<UInt8>?, _ count: Int) {
  let data = UnsafeRawBufferPointer(start: start, count: count)
  var form = MultipartParser(boundary: "b")
  _ = form.feed(data.prefix(count / 2))
  _ = form.feed(data.dropFirst(count / 2))
  _ = form.finish()
  _ = WebDAV.query(Array(data))
  if let element = try? XMLElement.parse(Array(data)) {
    // What a dead property's value becomes must itself be well-formed XML.
    let again = XMLWriter.serialize([.element(element)])
    if (try? XMLElement.parse(Array(again.utf8))) == nil { fatalError("re-serialized XML does not parse: \(again)") }
  }
  let text = String(decoding: data, as: UTF8.self)
  if let field = IfHeader(text) {
    _ = field.holds(requestPath: "/", state: { _ in IfHeader.State(lockTokens: [], etag: nil) })
  }
  _ = LockTable.seconds(text)
  _ = HTTPAuth.credentials(String(decoding: data, as: UTF8.self))
  _ = ListingQuery(query: String(decoding: data, as: UTF8.self), accept: String(decoding: data, as: UTF8.self))
  var parser = RequestParser()
  var buffer = Array(data)
  var rounds = 0
  while !buffer.isEmpty && rounds < 10_000 {
    rounds += 1
    let (event, consumed) = buffer.withUnsafeBytes { parser.parse($0) }
    buffer.removeFirst(min(consumed, buffer.count))
    if case .error = event { break }
    if case .request(let request) = event {
      if let range = request.range { _ = Ranges.evaluate(range, size: 1000) }
      _ = Conditional.evaluate(request, Validators(etag: "\"x\"", lastModified: 1000))
      if let value = request.ifRange { _ = Conditional.ifRangeHolds(value, Validators(etag: "\"x\"", lastModified: 1)) }
      _ = ContentCoding.acceptsGzip(request.acceptEncoding)
    }
    if event == .needMore && consumed == 0 { break }
  }
}
