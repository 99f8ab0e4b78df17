/// The elements of an Accept-style field with their weights (RFC 9110 §12.4.2): "gzip;q=0.5, br"
/// → [("gzip", 0.5), ("br", 1)]. Tokens are lowercased; a malformed weight counts as 0.
enum QualityValues {
  static func parse(_ header: String) -> [(token: String, q: Double)] {
    header.split(separator: ",").compactMap { element in
      let parts = element.split(separator: ";")
      guard let token = parts.first?.trimmingSpaces.lowercased(), !token.isEmpty else { return nil }
      var q = 1.0
      for parameter in parts.dropFirst() {
        let p = parameter.trimmingSpaces
        if p.lowercased().hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
      }
      return (token, q)
    }
  }
}
