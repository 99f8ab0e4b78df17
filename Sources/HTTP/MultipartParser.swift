/// An incremental parser of `multipart/form-data` bodies (RFC 7578, RFC 2046 §5.1): bytes in,
/// parts out, as they arrive, so an upload form of any size is stored without being held.
///
/// Hostile input ends in `.failed`: a boundary that is missing or longer than RFC 2046's 70
/// characters, a part head over 8 KiB, a body that ends before the closing delimiter.
public struct MultipartParser: Sendable {
  public enum Event: Equatable, Sendable {
    /// A part begins; its header fields, names lowercased.
    case partStart([Header])
    case data([UInt8])
    case partEnd
    /// The closing delimiter: every part is complete.
    case end
    case failed(String)
  }

  public struct Header: Equatable, Sendable {
    public var name: String
    public var value: String
  }

  enum State: Equatable { case preamble, afterDelimiter, head, data, done, failed }

  /// "\r\n--boundary": what ends a part's data.
  private let delimiter: [UInt8]
  private var state = State.preamble
  private var pending: [UInt8] = []
  static let headLimit = 8 * 1024

  /// The boundary from a Content-Type value, or nil when it is not multipart/form-data with a
  /// valid boundary (1 to 70 characters).
  public static func boundary(fromContentType value: String) -> String? {
    let parts = value.split(separator: ";").map { $0.trimmingSpaces }
    guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
    for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("boundary=") {
      var boundary = parameter.dropFirst(9)
      if boundary.hasPrefix("\"") && boundary.hasSuffix("\"") && boundary.count >= 2 {
        boundary = boundary.dropFirst().dropLast()
      }
      guard (1...70).contains(boundary.utf8.count), !boundary.utf8.contains(where: { $0 < 0x20 || $0 > 0x7e })
      else { return nil }
      return String(boundary)
    }
    return nil
  }

  public init(boundary: String) {
    delimiter = Array("\r\n--\(boundary)".utf8)
    // The first delimiter may come without its CRLF: start as if one had been seen.
    pending = [0x0D, 0x0A]
  }

  /// Feeds more body bytes; returns what they completed.
  ///
  /// One piece: the states of one multipart state machine, advanced over the same bytes.
  public mutating func feed(_ bytes: some Collection<UInt8>) -> [Event] {
    pending += bytes
    var events: [Event] = []
    while true {
      switch state {
      case .done, .failed:
        pending.removeAll()
        return events
      case .preamble:
        guard let at = find(delimiter, in: pending) else {
          pending.removeFirst(max(0, pending.count - delimiter.count))  // skip the preamble
          return events
        }
        pending.removeFirst(at + delimiter.count)
        state = .afterDelimiter
      case .afterDelimiter:
        guard pending.count >= 2 else { return events }
        if pending[0] == UInt8(ascii: "-") && pending[1] == UInt8(ascii: "-") {
          state = .done
          events.append(.end)
          continue
        }
        // Transport padding (spaces, tabs) may precede the line end.
        guard let lf = pending.firstIndex(of: 0x0A) else {
          if pending.count > 256 { return fail("malformed delimiter line", events) }
          return events
        }
        guard pending[..<lf].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else {
          return fail("malformed delimiter line", events)
        }
        pending.removeFirst(lf + 1)
        state = .head
      case .head:
        guard let end = find(Array("\r\n\r\n".utf8), in: pending) else {
          if pending.count > Self.headLimit { return fail("part head over 8 KiB", events) }
          return events
        }
        guard end <= Self.headLimit, let headers = Self.headers(pending[..<end]) else {
          return fail("malformed part head", events)
        }
        pending.removeFirst(end + 4)
        events.append(.partStart(headers))
        state = .data
      case .data:
        if let at = find(delimiter, in: pending) {
          if at > 0 { events.append(.data(Array(pending[..<at]))) }
          pending.removeFirst(at + delimiter.count)
          events.append(.partEnd)
          state = .afterDelimiter
        } else {
          // Keep what could be the start of a delimiter split across two pieces.
          let safe = pending.count - (delimiter.count - 1)
          if safe > 0 {
            events.append(.data(Array(pending[..<safe])))
            pending.removeFirst(safe)
          }
          return events
        }
      }
    }
  }

  /// The body ended: fine after the closing delimiter, a failure anywhere else.
  public mutating func finish() -> [Event] {
    state == .done ? [] : fail("the body ended before the closing boundary", [])
  }

  private mutating func fail(_ reason: String, _ events: [Event]) -> [Event] {
    state = .failed
    pending.removeAll()
    return events + [.failed(reason)]
  }

  private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    var i = 0
    let last = haystack.count - needle.count
    while i <= last {
      if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
      i += 1
    }
    return nil
  }

  private static func headers(_ bytes: ArraySlice<UInt8>) -> [Header]? {
    var result: [Header] = []
    for line in bytes.split(separator: 0x0A) {
      let text = String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
      guard let colon = text.firstIndex(of: ":") else { return nil }
      result.append(
        Header(
          name: text[..<colon].lowercased(), value: String(text[text.index(after: colon)...].trimmingSpaces)))
    }
    return result
  }

  /// The `filename` parameter of a part's Content-Disposition (form-data), if it has one.
  public static func filename(in headers: [Header]) -> String? {
    guard let disposition = headers.first(where: { $0.name == "content-disposition" })?.value else { return nil }
    for parameter in disposition.split(separator: ";").dropFirst() {
      let pair = parameter.trimmingSpaces.split(separator: "=", maxSplits: 1)
      guard pair.count == 2, pair[0].lowercased() == "filename" else { continue }
      var value = pair[1]
      if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 { value = value.dropFirst().dropLast() }
      return value.replacingBackslashEscapes()
    }
    return nil
  }
}

extension Substring {
  /// `\"` → `"` and `\\` → `\` inside a quoted string.
  fileprivate func replacingBackslashEscapes() -> String {
    var out = ""
    var escaped = false
    for c in self {
      if escaped || c != "\\" {
        out.append(c)
        escaped = false
      } else {
        escaped = true
      }
    }
    return out
  }
}
