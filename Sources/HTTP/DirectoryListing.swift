import ServerCore

#if canImport(Glibc)
  import Glibc
#endif

/// One entry of a folder, as a listing shows it.
public struct DirectoryEntry: Equatable, Sendable {
  public var name: String
  public var isDirectory: Bool
  public var size: Int
  /// Modification time, seconds since the epoch.
  public var modified: Int
}

/// Reading a folder and rendering it as an HTML index page.
public enum DirectoryListing {
  /// The visible entries of the folder at `path` (as the served folder shows them: no hidden
  /// names unless allowed, symlinks only when they resolve inside the root), folders first, then
  /// by name.
  public static func entries(at path: String, in folder: ServedFolder) -> [DirectoryEntry]? {
    guard let found = folder.entries(ofFolder: path) else { return nil }
    let entries = found.map {
      DirectoryEntry(
        name: $0.name, isDirectory: $0.isDirectory, size: Int($0.info.st_size), modified: Int($0.info.st_mtim.tv_sec))
    }
    return sorted(entries, by: ListingQuery())
  }

  /// `entries` in the order `query` asks for; folders always come first, and ties fall back to
  /// the name so the order is the same on every request.
  public static func sorted(_ entries: [DirectoryEntry], by query: ListingQuery) -> [DirectoryEntry] {
    // Each name is case-folded once, not at every comparison.
    typealias Keyed = (entry: DirectoryEntry, folded: String)
    func byName(_ a: Keyed, _ b: Keyed) -> Bool {
      a.folded != b.folded ? a.folded < b.folded : a.entry.name < b.entry.name
    }
    let keyed = entries.map { (entry: $0, folded: $0.name.lowercased()) }
    return keyed.sorted { a, b in
      if a.entry.isDirectory != b.entry.isDirectory { return a.entry.isDirectory }
      let ascending: Bool
      switch query.sort {
      case .name: ascending = byName(a, b)
      case .size: ascending = a.entry.size != b.entry.size ? a.entry.size < b.entry.size : byName(a, b)
      case .date: ascending = a.entry.modified != b.entry.modified ? a.entry.modified < b.entry.modified : byName(a, b)
      }
      let equal = a.entry.name == b.entry.name
      return query.descending && !equal ? !ascending : ascending
    }.map(\.entry)
  }

  /// An HTML page listing `entries` of the folder whose URL path is `urlPath` (ending in "/"),
  /// with a breadcrumb of links to each parent, column heads that sort, and `readme` (the text
  /// of a README.md or index.md in the folder) rendered below by cmark in its safe mode. Names
  /// are HTML-escaped and links percent-encoded, and cmark drops raw HTML and script links, so no
  /// file name or README can inject markup.
  public static func html(
    urlPath: String, entries: [DirectoryEntry], query: ListingQuery = ListingQuery(), readme: String? = nil,
    uploadForm: Bool = false
  ) -> String {
    let title = "Index of " + PercentEncoding.html(urlPath)
    var rows = ""
    if urlPath != "/" {
      rows += "<tr><td class=\"n\"><a href=\"../\">../</a></td><td class=\"s\">–</td><td class=\"d\"></td></tr>\n"
    }
    for entry in entries {
      let slash = entry.isDirectory ? "/" : ""
      let link = PercentEncoding.encodeSegment(entry.name) + slash
      let size = entry.isDirectory ? "–" : humanSize(entry.size)
      rows += "<tr><td class=\"n\"><a href=\"\(link)\">\(PercentEncoding.html(entry.name))\(slash)</a></td>"
      rows += "<td class=\"s\">\(size)</td><td class=\"d\">\(UTC(entry.modified).shortFormat)</td></tr>\n"
    }
    func head(_ label: String, _ key: ListingQuery.Key, _ cls: String) -> String {
      let mark = query.sort == key ? (query.descending ? " ↓" : " ↑") : ""
      let sortState = query.sort == key ? " aria-sort=\"\(query.descending ? "descending" : "ascending")\"" : ""
      return "<th\(cls)\(sortState)><a href=\"\(query.link(sortingBy: key))\">\(label)\(mark)</a></th>"
    }
    let form =
      uploadForm
      ? "<form method=\"post\" enctype=\"multipart/form-data\"><input type=\"file\" name=\"file\" multiple> "
        + "<button>Upload</button></form>\n" : ""
    let readmeBlock =
      readme.map { text in
        let body = Markdown.html(text) ?? "<pre>\(PercentEncoding.html(text))</pre>"
        return "<section class=\"readme\"><h2>README</h2>\n\(body)</section>\n"
      } ?? ""
    return """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(title)</title>
      <style>
      body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d232b}
      main{max-width:56rem;margin:2rem auto;padding:0 1rem}
      h1{font-size:1.3rem;font-weight:600;word-break:break-all}h1 a{color:inherit}
      h2{font-size:1rem;margin:1.5rem 0 .5rem}
      table{width:100%;border-collapse:collapse;background:#fff;border-radius:8px;overflow:hidden;
      box-shadow:0 1px 3px rgba(0,0,0,.08)}
      th,td{padding:.45rem .8rem;text-align:left;border-bottom:1px solid #eceef1}
      th{background:#eef1f5;font-weight:600;font-size:.85rem}th a{color:#4a5563}
      td.n{word-break:break-all}td.s,th.s{text-align:right;white-space:nowrap}td.d{white-space:nowrap;color:#5b6573}
      a{color:#0b5cad;text-decoration:none}a:hover{text-decoration:underline}
      form{margin:1rem 0}
      pre{background:#fff;padding:1rem;border-radius:8px;overflow-x:auto;white-space:pre-wrap;
      box-shadow:0 1px 3px rgba(0,0,0,.08)}
      footer{margin-top:1rem;font-size:.8rem;color:#7a8494}
      @media (max-width:34rem){td.d,th.d{display:none}main{margin:1rem auto}}
      </style></head>
      <body><main><h1>Index of \(breadcrumb(urlPath))</h1>
      <table><thead><tr>\(head("Name", .name, ""))\(head("Size", .size, " class=\"s\""))\(head("Modified (UTC)", .date, " class=\"d\""))</tr></thead><tbody>
      \(rows)</tbody></table>
      \(form)\(readmeBlock)<footer>Served by barenet · <a href="?format=json">JSON</a> · <a href="?format=text">text</a></footer></main></body></html>

      """
  }

  /// "/docs/api/" as links: "/" → "/", "docs/" → "/docs/", "api/" → "/docs/api/".
  static func breadcrumb(_ urlPath: String) -> String {
    var html = "<a href=\"/\">/</a>"
    var prefix = "/"
    for segment in urlPath.split(separator: "/") {
      let name = PercentEncoding.decode(segment).map { String(decoding: $0, as: UTF8.self) } ?? String(segment)
      prefix += PercentEncoding.encodeSegment(name) + "/"
      html += "<a href=\"\(prefix)\">\(PercentEncoding.html(name))/</a>"
    }
    return html
  }

  /// The listing as JSON: `{"path": …, "entries": [{"name", "type", "size", "mtime"}]}` with
  /// the time in RFC 3339, for scripts (`?format=json` or `Accept: application/json`).
  public static func json(urlPath: String, entries: [DirectoryEntry]) -> String {
    var out = "{\"path\":\(JSONText.string(urlPath)),\"entries\":["
    for (i, entry) in entries.enumerated() {
      if i > 0 { out += "," }
      out += "{\"name\":\(JSONText.string(entry.name)),\"type\":\"\(entry.isDirectory ? "directory" : "file")\","
      out += "\"size\":\(entry.size),\"mtime\":\"\(UTC(entry.modified).rfc3339)\"}"
    }
    return out + "]}\n"
  }

  /// The listing as text for curl (`?format=text`): one entry per line, tab-separated type
  /// ("d" or "f"), size in bytes, mtime (RFC 3339) and name (a folder's with a final "/"), so
  /// `cut -f` works. Tabs, newlines and backslashes in names are written as \t, \n and \\.
  public static func text(entries: [DirectoryEntry]) -> String {
    var out = ""
    for entry in entries {
      var name = ""
      for c in entry.name.unicodeScalars {
        switch c {
        case "\t": name += "\\t"
        case "\n": name += "\\n"
        case "\r": name += "\\r"
        case "\\": name += "\\\\"
        default: name.unicodeScalars.append(c)
        }
      }
      out += "\(entry.isDirectory ? "d" : "f")\t\(entry.size)\t\(UTC(entry.modified).rfc3339)\t\(name)"
      out += entry.isDirectory ? "/\n" : "\n"
    }
    return out
  }

  /// "999 B", "1.5 KiB", "12 MiB".
  public static func humanSize(_ bytes: Int) -> String {
    if bytes < 1024 { return "\(bytes) B" }
    let units = ["KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes) / 1024
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    let tenths = Int((value * 10).rounded())
    return value < 10 ? "\(tenths / 10).\(tenths % 10) \(units[unit])" : "\(Int(value.rounded())) \(units[unit])"
  }
}
