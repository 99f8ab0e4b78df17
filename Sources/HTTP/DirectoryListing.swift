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
  /// The entries of the folder at `path` (`opendir`/`readdir`, `stat` on each), folders first,
  /// then by name. Hidden names are left out unless `dotfiles`; a symlink is listed only when
  /// it resolves inside the root (`resolver`).
  public static func entries(at path: String, resolver: PathResolver) -> [DirectoryEntry]? {
    guard let dir = opendir(path) else { return nil }
    defer { closedir(dir) }
    var result: [DirectoryEntry] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name == "." || name == ".." { continue }
      if name.hasPrefix(".") && !resolver.allowDotfiles { continue }
      let full = path + "/" + name
      var info = stat()
      guard lstat(full, &info) == 0 else { continue }
      if info.st_mode & S_IFMT == S_IFLNK {
        guard (try? resolver.contained(full)) != nil, stat(full, &info) == 0 else { continue }
      }
      let isDirectory = info.st_mode & S_IFMT == S_IFDIR
      result.append(
        DirectoryEntry(
          name: name, isDirectory: isDirectory, size: Int(info.st_size), modified: Int(info.st_mtim.tv_sec)))
    }
    return result.sorted { a, b in
      if a.isDirectory != b.isDirectory { return a.isDirectory }
      let la = a.name.lowercased()
      let lb = b.name.lowercased()
      return la != lb ? la < lb : a.name < b.name
    }
  }

  /// An HTML page listing `entries` of the folder whose URL path is `urlPath` (ending in "/").
  /// Names are HTML-escaped and links percent-encoded, so no file name can inject markup.
  public static func html(urlPath: String, entries: [DirectoryEntry]) -> String {
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
    return """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(title)</title>
      <style>
      body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d232b}
      main{max-width:56rem;margin:2rem auto;padding:0 1rem}
      h1{font-size:1.3rem;font-weight:600;word-break:break-all}
      table{width:100%;border-collapse:collapse;background:#fff;border-radius:8px;overflow:hidden;
      box-shadow:0 1px 3px rgba(0,0,0,.08)}
      th,td{padding:.45rem .8rem;text-align:left;border-bottom:1px solid #eceef1}
      th{background:#eef1f5;font-weight:600;font-size:.85rem;color:#4a5563}
      td.s,th.s{text-align:right;white-space:nowrap}td.d{white-space:nowrap;color:#5b6573}
      a{color:#0b5cad;text-decoration:none}a:hover{text-decoration:underline}
      footer{margin-top:1rem;font-size:.8rem;color:#7a8494}
      </style></head>
      <body><main><h1>\(title)</h1>
      <table><thead><tr><th>Name</th><th class="s">Size</th><th>Modified (UTC)</th></tr></thead><tbody>
      \(rows)</tbody></table>
      <footer>Served by barenet</footer></main></body></html>

      """
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
