/// Responses already built for UDP queries, keyed by the query's bytes after its ID.
///
/// The responder's answer depends only on the query (the zones are fixed while it runs, and no
/// answer varies by client), so a query seen before, byte for byte apart from the ID, gets the
/// same response with its own ID copied in. nsd goes further and builds its answers before any
/// query comes; this keeps the same saving for the names actually asked. One per event loop.
final class AnswerCache {
  private var entries: [[UInt8]: [UInt8]] = [:]
  /// How many answers are kept; past this the cache starts again empty.
  static let capacity = 16_384
  /// Longer queries (unusual: many options) are answered afresh each time.
  static let longestKey = 300

  /// The response to `query`: a kept one with the query's ID, or `build()`'s, kept.
  func response(to query: [UInt8], build: () -> [UInt8]?) -> [UInt8]? {
    guard query.count >= 12, query.count - 2 <= Self.longestKey else { return build() }
    let key = Array(query[2...])
    if var kept = entries[key] {
      kept[0] = query[0]
      kept[1] = query[1]
      return kept
    }
    guard let response = build(), response.count >= 2 else { return nil }
    if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
    entries[key] = response
    return response
  }
}
