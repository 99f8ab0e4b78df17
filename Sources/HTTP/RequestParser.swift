#if canImport(Glibc)
  import Glibc
#endif

/// An error that ends the connection: the status to answer with and why.
public struct HTTPError: Error, Equatable, Sendable {
  public let status: Status
  public let message: String
  public init(_ status: Status, _ message: String) {
    self.status = status
    self.message = message
  }
}

/// An incremental HTTP/1.1 request parser (RFC 9112): bytes in, events out, no socket inside.
///
/// Feed it whatever has arrived; it says how many bytes it consumed and what it found. Body
/// bytes (chunk framing removed) go to the caller's closure — into an upload's file, a form, a
/// PROPFIND's XML, or nowhere — so that the next pipelined request starts exactly where the body
/// ends. Every limit is checked before the
/// bytes are kept, so a hostile peer cannot make it buffer without bound.
///
/// Over 400 lines because it is one state machine (head, body, chunked body, trailers) with its limits; the header-field table is KnownField.swift.
public struct RequestParser: Sendable {
  /// Size limits for a request head and body.
  public struct Limits: Sendable {
    public var requestLine = 8 * 1024
    public var headerSection = 64 * 1024
    public var headerCount = 100
    public var body = 1024 * 1024
    public init() {}
  }

  /// What one call to `parse` found.
  public enum Event: Equatable, Sendable {
    /// More bytes are needed (everything offered may still have been consumed).
    case needMore
    /// A complete request head. Its body (if any) follows and will be consumed next.
    case request(Request)
    /// The body of the last request has been consumed.
    case bodyComplete
    /// The request is malformed or over a limit; answer with the status and close.
    case error(HTTPError)
  }

  enum State: Equatable {
    case head
    case body(remaining: Int)
    case chunkSize
    case chunkData(remaining: Int)
    case chunkDataEnd
    case trailers
    case failed
  }

  public let limits: Limits
  var state = State.head
  var bodyConsumed = 0
  /// How far (from the start of the pending head) the search for its end has already looked.
  var scanned = 0

  public init(limits: Limits = Limits()) {
    self.limits = limits
  }

  /// True between requests: no part of a head or body is pending.
  public var isIdle: Bool { state == .head }

  /// Parses from the start of `bytes`. Returns the event and how many bytes to consume.
  /// Body bytes (without chunk framing) are handed to `body` as they are consumed, for a
  /// request that stores them (an upload); by default they are dropped.
  public mutating func parse(
    _ bytes: UnsafeRawBufferPointer, body: (UnsafeRawBufferPointer) -> Void = { _ in }
  ) -> (Event, consumed: Int) {
    switch state {
    case .failed:
      return (.needMore, bytes.count)
    case .head:
      return parseHead(bytes)
    case .body(let remaining):
      let take = min(remaining, bytes.count)
      if take > 0 { body(UnsafeRawBufferPointer(rebasing: bytes[0..<take])) }
      if take == remaining {
        state = .head
        return (.bodyComplete, take)
      }
      state = .body(remaining: remaining - take)
      return (.needMore, take)
    case .chunkSize, .chunkData, .chunkDataEnd, .trailers:
      return parseChunked(bytes, body: body)
    }
  }

  private mutating func fail(_ status: Status, _ message: String) -> (Event, consumed: Int) {
    state = .failed
    return (.error(HTTPError(status, message)), 0)
  }

  // MARK: Head

  ///
  /// One piece: finding the head's end resumably and splitting its lines share the scan position, on the hot path of every request.
  private mutating func parseHead(_ bytes: UnsafeRawBufferPointer) -> (Event, consumed: Int) {
    // RFC 9112 §2.2: ignore empty lines before the request-line.
    var start = 0
    while start < bytes.count && (bytes[start] == cr || bytes[start] == lf) { start += 1 }
    if start == bytes.count {
      scanned = 0
      return (.needMore, start)
    }
    // Look for the empty line that ends the head, resuming where the last call stopped so a
    // peer sending one byte at a time costs linear, not quadratic, work.
    var resume = start + scanned
    var headEnd: Int?
    while true {
      guard let newline = firstIndex(of: lf, in: bytes, from: resume) else {
        resume = bytes.count
        break
      }
      let next = newline + 1
      if next < bytes.count && bytes[next] == lf {
        headEnd = next + 1
        break
      }
      if next + 1 < bytes.count && bytes[next] == cr && bytes[next + 1] == lf {
        headEnd = next + 2
        break
      }
      if next + 1 >= bytes.count {
        resume = newline  // what follows this line break has not arrived yet
        break
      }
      resume = next
    }
    guard let end = headEnd else {
      if firstIndex(of: lf, in: bytes, from: start) == nil && bytes.count - start > limits.requestLine {
        return fail(.uriTooLong, "request line longer than \(limits.requestLine) bytes")
      }
      if bytes.count - start > limits.headerSection {
        return fail(.headerFieldsTooLarge, "header section longer than \(limits.headerSection) bytes")
      }
      // Kept relative to the head's first byte: the caller consumes the `start` bytes before it.
      scanned = resume - start
      return (.needMore, start)
    }
    scanned = 0
    if end - start > limits.headerSection {
      return fail(.headerFieldsTooLarge, "header section longer than \(limits.headerSection) bytes")
    }
    var lines: [Range<Int>] = []
    var lineStart = start
    while lineStart < end, let newline = firstIndex(of: lf, in: bytes, from: lineStart) {
      var lineEnd = newline
      if lineEnd > lineStart && bytes[lineEnd - 1] == cr { lineEnd -= 1 }
      if lineEnd == lineStart { break }
      if lines.isEmpty && lineEnd - lineStart > limits.requestLine {
        return fail(.uriTooLong, "request line longer than \(limits.requestLine) bytes")
      }
      lines.append(lineStart..<lineEnd)
      if lines.count > limits.headerCount + 1 {
        return fail(.headerFieldsTooLarge, "more than \(limits.headerCount) header fields")
      }
      lineStart = newline + 1
    }
    switch buildRequest(bytes, lines: lines) {
    case .success(let request):
      return (.request(request), end)
    case .failure(let error):
      state = .failed
      return (.error(error), 0)
    }
  }

  ///
  /// One piece: every header field is checked and stored in one pass over the head's bytes, on the hot path of every request; the field rules (RFC 9112 §5, §6) read best in one switch.
  private mutating func buildRequest(
    _ bytes: UnsafeRawBufferPointer, lines: [Range<Int>]
  ) -> Result<Request, HTTPError> {
    var request: Request
    switch parseRequestLine(bytes, lines[0]) {
    case .success(let r): request = r
    case .failure(let e): return .failure(e)
    }
    var contentLength: Int?
    var transferEncoding: String?
    var hostCount = 0
    for line in lines.dropFirst() {
      guard let colon = firstIndex(of: UInt8(ascii: ":"), in: bytes, from: line.lowerBound),
        colon < line.upperBound
      else {
        if bytes[line.lowerBound] == sp || bytes[line.lowerBound] == ht {
          return .failure(HTTPError(.badRequest, "obsolete line folding"))
        }
        return .failure(HTTPError(.badRequest, "header line without a colon"))
      }
      let name = line.lowerBound..<colon
      if name.isEmpty { return .failure(HTTPError(.badRequest, "empty header name")) }
      for i in name where !isTokenChar(bytes[i]) {
        let what = bytes[i] == sp || bytes[i] == ht ? "whitespace before the colon" : "bad header name"
        return .failure(HTTPError(.badRequest, what))
      }
      var valueStart = colon + 1
      var valueEnd = line.upperBound
      while valueStart < valueEnd && (bytes[valueStart] == sp || bytes[valueStart] == ht) { valueStart += 1 }
      while valueEnd > valueStart && (bytes[valueEnd - 1] == sp || bytes[valueEnd - 1] == ht) { valueEnd -= 1 }
      for i in valueStart..<valueEnd {
        let b = bytes[i]
        if b == 0 || b == cr || b == lf || (b < 0x20 && b != ht) || b == 0x7f {
          return .failure(HTTPError(.badRequest, "control character in a header value"))
        }
      }
      guard let field = KnownField(bytes, name) else { continue }
      let value = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]), as: UTF8.self)
      switch field {
      case .host:
        hostCount += 1
        request.host = value
      case .contentLength:
        for part in value.split(separator: ",", omittingEmptySubsequences: false) {
          let digits = part.trimmingSpaces
          guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), digits.utf8.count <= 15,
            let n = Int(digits)
          else {
            return .failure(HTTPError(.badRequest, "invalid Content-Length"))
          }
          if let previous = contentLength, previous != n {
            return .failure(HTTPError(.badRequest, "conflicting Content-Length values"))
          }
          contentLength = n
        }
      case .transferEncoding:
        transferEncoding = transferEncoding.map { "\($0), \(value)" } ?? value
      case .connection:
        // Tokens compared on the bytes, case-insensitively: this field is on many requests.
        var tokenStart = valueStart
        for i in valueStart...valueEnd where i == valueEnd || bytes[i] == UInt8(ascii: ",") {
          var a = tokenStart
          var b = i
          while a < b && (bytes[a] == sp || bytes[a] == ht) { a += 1 }
          while b > a && (bytes[b - 1] == sp || bytes[b - 1] == ht) { b -= 1 }
          let token = UnsafeRawBufferPointer(rebasing: bytes[a..<b])
          if equalsIgnoringCase(token, "close") { request.connectionClose = true }
          if equalsIgnoringCase(token, "keep-alive") { request.connectionKeepAlive = true }
          tokenStart = i + 1
        }
      case .expect:
        guard value.lowercased() == "100-continue" else {
          return .failure(HTTPError(.expectationFailed, "unsupported expectation"))
        }
        request.expectContinue = true
      case .ifMatch: request.ifMatch = joined(request.ifMatch, value)
      case .ifNoneMatch: request.ifNoneMatch = joined(request.ifNoneMatch, value)
      case .ifModifiedSince: request.ifModifiedSince = value
      case .ifUnmodifiedSince: request.ifUnmodifiedSince = value
      case .ifRange: request.ifRange = value
      case .range: request.range = value
      case .acceptEncoding: request.acceptEncoding = joined(request.acceptEncoding, value)
      case .accept: request.accept = joined(request.accept, value)
      case .authorization: request.authorization = value
      case .depth: request.depth = value.lowercased()
      case .destination: request.destination = value
      case .overwrite: request.overwrite = value.uppercased()
      case .davIf: request.davIf = joined(request.davIf, value)
      case .lockToken: request.lockToken = value
      case .timeout: request.timeout = value
      case .contentType: request.contentType = value
      case .userAgent: request.userAgent = value
      case .referer: request.referer = value
      }
    }
    if hostCount > 1 { return .failure(HTTPError(.badRequest, "more than one Host field")) }
    if request.minorVersion >= 1 && hostCount == 0 {
      return .failure(HTTPError(.badRequest, "HTTP/1.1 request without Host"))
    }
    if request.target.utf8.first == UInt8(ascii: "/") {
      // origin-form, by far the most common: nothing more to check here.
    } else if request.target.hasPrefix("http://") || request.target.hasPrefix("https://") {
      guard absorbAbsoluteForm(&request) else {
        return .failure(HTTPError(.badRequest, "malformed absolute-form target"))
      }
    } else if request.target == "*" {
      guard request.method == .options else { return .failure(HTTPError(.badRequest, "'*' is only for OPTIONS")) }
    } else if !request.target.hasPrefix("/") {
      if request.method == .connect {
        return .success(request)  // authority-form: answered 405 later
      }
      return .failure(HTTPError(.badRequest, "request target must start with '/'"))
    }
    if let te = transferEncoding {
      if contentLength != nil {
        return .failure(HTTPError(.badRequest, "both Content-Length and Transfer-Encoding"))
      }
      let codings = te.split(separator: ",").map { $0.trimmingSpaces.lowercased() }
      guard codings.last == "chunked" else {
        return .failure(HTTPError(.badRequest, "Transfer-Encoding must end with chunked"))
      }
      guard codings.allSatisfy({ $0 == "chunked" }), codings.count == 1 else {
        return .failure(HTTPError(.unimplemented, "unsupported transfer coding"))
      }
      request.framing = .chunked
      state = .chunkSize
      bodyConsumed = 0
    } else if let length = contentLength, length > 0 {
      if length > limits.body {
        return .failure(HTTPError(.contentTooLarge, "request body of \(length) bytes"))
      }
      request.framing = .length(length)
      state = .body(remaining: length)
    }
    return .success(request)
  }

  private func parseRequestLine(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>) -> Result<Request, HTTPError> {
    guard let firstSpace = firstIndex(of: sp, in: bytes, from: line.lowerBound), firstSpace < line.upperBound,
      let lastSpace = lastIndex(of: sp, in: bytes, range: line), lastSpace > firstSpace
    else {
      return .failure(HTTPError(.badRequest, "malformed request line"))
    }
    let methodRange = line.lowerBound..<firstSpace
    guard !methodRange.isEmpty, methodRange.allSatisfy({ isTokenChar(bytes[$0]) }) else {
      return .failure(HTTPError(.badRequest, "malformed method"))
    }
    let targetRange = (firstSpace + 1)..<lastSpace
    guard !targetRange.isEmpty, targetRange.allSatisfy({ bytes[$0] > 0x20 && bytes[$0] < 0x7f }) else {
      return .failure(HTTPError(.badRequest, "malformed request target"))
    }
    let version = UnsafeRawBufferPointer(rebasing: bytes[(lastSpace + 1)..<line.upperBound])
    // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3); "HTTP/2" alone is accepted as 2.
    guard version.count >= 6, version.starts(with: "HTTP/".utf8), isDigit(version[5]) else {
      return .failure(HTTPError(.badRequest, "malformed HTTP version"))
    }
    let major = Int(version[5] - 48)
    var minor = 0
    if version.count == 8 && version[6] == UInt8(ascii: ".") && isDigit(version[7]) {
      minor = Int(version[7] - 48)
    } else if !(version.count == 6 && major >= 2) {
      return .failure(HTTPError(.badRequest, "malformed HTTP version"))
    }
    guard major == 1 else {
      if major == 0 { return .failure(HTTPError(.badRequest, "HTTP/0.x is not supported")) }
      return .failure(HTTPError(.versionNotSupported, "HTTP/\(major) is not supported on this port"))
    }
    let method = Method(token: UnsafeRawBufferPointer(rebasing: bytes[methodRange]))
    let target = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[targetRange]), as: UTF8.self)
    // HTTP/1.2 and later minor versions are answered as 1.1 (RFC 9110 §6.2).
    return .success(Request(method: method, target: target, minorVersion: min(minor, 1)))
  }

  /// Takes the host from an absolute-form target and keeps its path (RFC 9112 §3.2.2).
  private func absorbAbsoluteForm(_ request: inout Request) -> Bool {
    let afterScheme = request.target.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
    // ["http:", "", "host[:port]/rest..."]
    guard afterScheme.count == 3, afterScheme[1].isEmpty else { return false }
    let rest = afterScheme[2]
    let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
    let authority = rest[..<authorityEnd]
    guard !authority.isEmpty else { return false }
    request.host = String(authority)
    var pathAndQuery = String(rest[authorityEnd...])
    if pathAndQuery.isEmpty || pathAndQuery.hasPrefix("?") { pathAndQuery = "/" + pathAndQuery }
    let rebuilt = Request(method: request.method, target: pathAndQuery, minorVersion: request.minorVersion)
    request.path = rebuilt.path
    request.query = rebuilt.query
    return true
  }

  // MARK: Chunked bodies

  ///
  /// One piece: the chunked-coding states (size, data, data end, trailers) of RFC 9112 §7.1 advanced over the same bytes.
  private mutating func parseChunked(
    _ bytes: UnsafeRawBufferPointer, body: (UnsafeRawBufferPointer) -> Void
  ) -> (Event, consumed: Int) {
    var index = 0
    while index < bytes.count {
      switch state {
      case .chunkSize:
        guard let newline = firstIndex(of: lf, in: bytes, from: index) else {
          if bytes.count - index > 1024 { return fail(.badRequest, "chunk size line too long") }
          return (.needMore, index)
        }
        var size = 0
        var digits = 0
        var i = index
        while i < newline, let d = hexValue(bytes[i]) {
          // Checked before multiplying: a 16th hex digit could overflow Int.
          if digits == 15 { return fail(.contentTooLarge, "chunk too large") }
          size = size * 16 + d
          digits += 1
          i += 1
        }
        // Anything after the digits must be an extension (";...") or the line end.
        guard digits > 0,
          i == newline || bytes[i] == UInt8(ascii: ";") || bytes[i] == cr || bytes[i] == sp || bytes[i] == ht
        else {
          return fail(.badRequest, "malformed chunk size")
        }
        bodyConsumed += size
        if bodyConsumed > limits.body { return fail(.contentTooLarge, "request body over \(limits.body) bytes") }
        index = newline + 1
        state = size == 0 ? .trailers : .chunkData(remaining: size)
      case .chunkData(let remaining):
        let take = min(remaining, bytes.count - index)
        if take > 0 { body(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + take)])) }
        index += take
        state = take == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - take)
      case .chunkDataEnd:
        guard let newline = firstIndex(of: lf, in: bytes, from: index) else {
          if bytes.count - index > 2 { return fail(.badRequest, "chunk data longer than its size") }
          return (.needMore, index)
        }
        guard newline == index || (newline == index + 1 && bytes[index] == cr) else {
          return fail(.badRequest, "chunk data longer than its size")
        }
        index = newline + 1
        state = .chunkSize
      case .trailers:
        guard let newline = firstIndex(of: lf, in: bytes, from: index) else {
          if bytes.count - index > limits.headerSection { return fail(.headerFieldsTooLarge, "trailers too large") }
          return (.needMore, index)
        }
        let empty = newline == index || (newline == index + 1 && bytes[index] == cr)
        index = newline + 1
        if empty {
          state = .head
          return (.bodyComplete, index)
        }
      default:
        return (.needMore, index)
      }
    }
    return (.needMore, index)
  }

  private func joined(_ old: String?, _ value: String) -> String {
    old.map { "\($0), \(value)" } ?? value
  }
}

extension Substring {
  /// The text without leading and trailing spaces and tabs (OWS).
  var trimmingSpaces: Substring {
    var s = self
    while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
    while let l = s.last, l == " " || l == "\t" { s.removeLast() }
    return s
  }
}
