/// Content types by file extension, for the common web formats.
public enum MIMETypes {
  static let table: [String: String] = [
    "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8",
    "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
    "mjs": "text/javascript; charset=utf-8", "json": "application/json",
    "map": "application/json", "webmanifest": "application/manifest+json",
    "xml": "application/xml", "txt": "text/plain; charset=utf-8", "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8", "svg": "image/svg+xml", "png": "image/png",
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
    "avif": "image/avif", "ico": "image/x-icon", "bmp": "image/bmp", "woff": "font/woff",
    "woff2": "font/woff2", "ttf": "font/ttf", "otf": "font/otf", "wasm": "application/wasm",
    "pdf": "application/pdf", "zip": "application/zip", "gz": "application/gzip",
    "tar": "application/x-tar", "mp4": "video/mp4", "webm": "video/webm", "mp3": "audio/mpeg",
    "ogg": "audio/ogg", "wav": "audio/wav", "m4a": "audio/mp4",
  ]

  /// The type for a file name, `application/octet-stream` when the extension is unknown.
  public static func type(forName name: String) -> String {
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "application/octet-stream" }
    let ext = name[name.index(after: dot)...].lowercased()
    return table[ext] ?? "application/octet-stream"
  }

  /// Whether gzip is worth it for this type: text and the text-like formats, not images or
  /// archives that are compressed already.
  public static func isCompressible(_ type: String) -> Bool {
    type.hasPrefix("text/") || type.hasPrefix("application/json") || type.hasPrefix("application/xml")
      || type.hasPrefix("application/manifest+json") || type == "image/svg+xml" || type == "application/wasm"
      || type == "image/x-icon" || type == "image/bmp"
  }
}
