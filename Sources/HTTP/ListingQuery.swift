/// How a folder listing was asked for: `?sort=size&order=desc&format=json`, or an `Accept`
/// header preferring JSON. Unknown or repeated parameters fall back to the defaults rather than
/// failing: a listing link should always lead somewhere.
public struct ListingQuery: Equatable, Sendable {
  public enum Format: String, Sendable { case html, json, text }
  public enum Key: String, Sendable { case name, size, date }

  public var format = Format.html
  public var sort = Key.name
  public var descending = false
  /// `?download=tar` or `tar.gz`: the folder as an archive instead of a listing.
  public var download: Archive?
  public enum Archive: String, Sendable {
    case tar
    case tarGzip = "tar.gz"
  }

  public init(format: Format = .html, sort: Key = .name, descending: Bool = false) {
    self.format = format
    self.sort = sort
    self.descending = descending
  }

  /// Reads the query string (already split from the path) and the Accept field.
  public init(query: String?, accept: String?) {
    var explicitFormat = false
    for pair in (query ?? "").split(separator: "&") {
      let parts = pair.split(separator: "=", maxSplits: 1)
      guard parts.count == 2 else { continue }
      let value = parts[1].lowercased()
      switch parts[0] {
      case "sort":
        sort = value == "mtime" || value == "modified" ? .date : Key(rawValue: value) ?? .name
      case "order":
        descending = value == "desc"
      case "download":
        download = Archive(rawValue: value == "tgz" ? "tar.gz" : value)
      case "format":
        if let chosen = Format(rawValue: value == "txt" ? "text" : value) {
          format = chosen
          explicitFormat = true
        }
      default:
        continue
      }
    }
    if !explicitFormat, let accept, Self.prefersJSON(accept) { format = .json }
  }

  /// True when `accept` names application/json (with a non-zero q) ahead of text/html.
  static func prefersJSON(_ accept: String) -> Bool {
    var json: Double = 0
    var html: Double = 0
    for (type, q) in QualityValues.parse(accept) {
      if type == "application/json" { json = max(json, q) }
      if type == "text/html" { html = max(html, q) }
    }
    return json > 0 && json > html
  }

  /// The query string of a link to this listing, sorted by `key`: a click on the column head
  /// that is already sorted flips the order.
  public func link(sortingBy key: Key) -> String {
    let flip = key == sort ? !descending : (key != .name)
    return "?sort=\(key.rawValue)&order=\(flip ? "desc" : "asc")"
  }
}
