/// What a Range header asks of a representation of a given size (RFC 9110 §14).
public enum RangeOutcome: Equatable, Sendable {
  /// No usable Range: send the whole representation (200).
  case full
  /// Send these byte ranges (206), in order, each inclusive.
  case partial([ClosedRange<Int>])
  /// No range overlaps the representation: 416 with `Content-Range: bytes */size`.
  case unsatisfiable
}

/// Parsing and resolving byte ranges.
public enum Ranges {
  /// More ranges than this in one request are merged where they overlap and, if still too
  /// many, ignored: many tiny ranges are a known amplification trick (RFC 9110 §14.3).
  public static let maximumCount = 100

  /// Resolves `header` (e.g. "bytes=0-99,-50") against a representation of `size` bytes.
  /// A header that is not valid byte-range syntax is ignored, as the RFC asks.
  public static func evaluate(_ header: String, size: Int) -> RangeOutcome {
    let text = Substring(header).trimmingSpaces
    guard text.count > 6, text.prefix(6).lowercased() == "bytes=" else { return .full }
    var ranges: [ClosedRange<Int>] = []
    var sawAny = false
    for element in text.dropFirst(6).split(separator: ",", omittingEmptySubsequences: false) {
      let spec = element.trimmingSpaces
      if spec.isEmpty { continue }
      guard let dash = spec.firstIndex(of: "-") else { return .full }
      let first = spec[..<dash]
      let last = spec[spec.index(after: dash)...]
      guard first.allSatisfy(\.isASCIIDigit), last.allSatisfy(\.isASCIIDigit), !(first.isEmpty && last.isEmpty),
        first.count <= 18, last.count <= 18
      else { return .full }
      sawAny = true
      if first.isEmpty {
        let suffix = Int(last)!
        if suffix > 0 && size > 0 { ranges.append(max(0, size - suffix)...(size - 1)) }
      } else {
        let start = Int(first)!
        if !last.isEmpty && Int(last)! < start { return .full }
        let end = last.isEmpty ? size - 1 : min(Int(last)!, size - 1)
        if start < size { ranges.append(start...end) }
      }
    }
    guard sawAny else { return .full }
    if ranges.isEmpty { return .unsatisfiable }
    if ranges.count > 1 && hasOverlap(ranges) || ranges.count > maximumCount {
      ranges = merged(ranges)
      if ranges.count > maximumCount { return .full }
    }
    return .partial(ranges)
  }

  static func hasOverlap(_ ranges: [ClosedRange<Int>]) -> Bool {
    let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
    return zip(sorted, sorted.dropFirst()).contains { $0.upperBound + 1 >= $1.lowerBound }
  }

  /// Sorts and merges overlapping or adjacent ranges.
  static func merged(_ ranges: [ClosedRange<Int>]) -> [ClosedRange<Int>] {
    var result: [ClosedRange<Int>] = []
    for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
      if let last = result.last, r.lowerBound <= last.upperBound + 1 {
        result[result.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
      } else {
        result.append(r)
      }
    }
    return result
  }
}

extension Character {
  var isASCIIDigit: Bool { isASCII && isNumber }
}
