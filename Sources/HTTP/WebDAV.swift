import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// WebDAV's PROPFIND (RFC 4918 §9.1), read-only: enough for a client to mount the folder and
/// browse it (rclone, cadaver, file managers). Depth 0 and 1 only; Depth infinity — which a
/// missing Depth field means — is refused with the `propfind-finite-depth` precondition.
public enum WebDAV {
  /// The live properties served, in the DAV: namespace.
  static let liveProperties = [
    "resourcetype", "getcontentlength", "getlastmodified", "getetag", "getcontenttype", "displayname",
  ]

  /// What a PROPFIND body asks for.
  public enum Query: Equatable, Sendable {
    case allProperties
    case propertyNames
    /// Named properties, as (namespace URI, local name).
    case properties([PropertyName])
  }

  public struct PropertyName: Equatable, Sendable {
    public var namespace: String
    public var name: String
    public init(namespace: String, name: String) {
      self.namespace = namespace
      self.name = name
    }
  }

  /// Reads a PROPFIND body: empty means allprop (RFC 4918 §9.1). Nil for a body that is not a
  /// propfind element (answered 400).
  public static func query(_ body: [UInt8]) -> Query? {
    let text = String(decoding: body, as: UTF8.self)
    if text.allSatisfy(\.isWhitespace) { return .allProperties }
    let elements = XMLScan.elements(text)
    guard let root = elements.first, root.name == "propfind", root.namespace == "DAV:" else { return nil }
    if elements.contains(where: { $0.name == "propname" && $0.namespace == "DAV:" }) { return .propertyNames }
    if let prop = elements.firstIndex(where: { $0.name == "prop" && $0.namespace == "DAV:" && $0.depth == 1 }) {
      let names = elements[(prop + 1)...].prefix { $0.depth > 1 }.filter { $0.depth == 2 }
      return .properties(names.map { PropertyName(namespace: $0.namespace, name: $0.name) })
    }
    return .allProperties
  }

  /// One resource in a multistatus answer.
  struct Resource {
    var href: String
    var isDirectory: Bool
    var size: Int
    var modified: Int
    var etag: String?
    var type: String?
    var name: String
  }

  /// The 207 Multi-Status body for `resources`.
  static func multistatus(_ resources: [Resource], query: Query) -> String {
    var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\">\n"
    for r in resources {
      var values: [String: String] = [
        "resourcetype": r.isDirectory ? "<D:collection/>" : "",
        "getlastmodified": HTTPDate.format(r.modified),
        "displayname": PercentEncoding.html(r.name),
      ]
      if !r.isDirectory {
        values["getcontentlength"] = String(r.size)
        values["getetag"] = r.etag.map(PercentEncoding.html)
        values["getcontenttype"] = r.type.map(PercentEncoding.html)
      }
      out += "<D:response><D:href>\(PercentEncoding.html(r.href))</D:href>\n"
      switch query {
      case .allProperties:
        out += propstat(
          liveProperties.compactMap { name in values[name].map { "<D:\(name)>\($0)</D:\(name)>" } }, "200 OK")
      case .propertyNames:
        out += propstat(liveProperties.filter { values[$0] != nil }.map { "<D:\($0)/>" }, "200 OK")
      case .properties(let names):
        var found: [String] = []
        var missing: [String] = []
        for p in names {
          if p.namespace == "DAV:", let value = values[p.name] {
            found.append("<D:\(p.name)>\(value)</D:\(p.name)>")
          } else {
            let ns = PercentEncoding.html(p.namespace)
            missing.append(p.namespace == "DAV:" ? "<D:\(p.name)/>" : "<X:\(p.name) xmlns:X=\"\(ns)\"/>")
          }
        }
        if !found.isEmpty { out += propstat(found, "200 OK") }
        if !missing.isEmpty { out += propstat(missing, "404 Not Found") }
      }
      out += "</D:response>\n"
    }
    return out + "</D:multistatus>\n"
  }

  private static func propstat(_ properties: [String], _ status: String) -> String {
    "<D:propstat><D:prop>\(properties.joined())</D:prop><D:status>HTTP/1.1 \(status)</D:status></D:propstat>\n"
  }
}

extension FileService {
  /// PROPFIND on `request.path`: 207 with the resource and, for Depth 1 on a folder, its
  /// entries (as the listing shows them: no hidden names, no symlinks out of the root).
  public func propfind(_ request: Request, body: [UInt8]) -> Response {
    guard request.depth == "0" || request.depth == "1" else {
      var refusal = Response(status: .forbidden, headers: [("Content-Type", "application/xml; charset=utf-8")])
      let xml =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"DAV:\"><D:propfind-finite-depth/></D:error>\n"
      refusal.body = [.bytes(Array(xml.utf8))]
      return refusal
    }
    guard let query = WebDAV.query(body) else { return .error(.badRequest) }
    let opened: (file: OpenFile, path: String, real: String, info: stat)
    switch openForReading(request.path) {
    case .refused(let refusal): return refusal
    case .ready(let found): opened = found
    }
    let info = opened.info
    let isDirectory = info.st_mode & S_IFMT == S_IFDIR
    var base = request.path
    if isDirectory && !base.hasSuffix("/") { base += "/" }
    let name = opened.real == resolver.root ? "/" : String(opened.real.split(separator: "/").last ?? "")
    var resources = [resource(href: base, name: name, real: opened.real, info: info)]
    if isDirectory && request.depth == "1" {
      for entry in (folder.entries(ofFolder: opened.real) ?? []).sorted(by: { $0.name < $1.name }) {
        let href = base + PercentEncoding.encodeSegment(entry.name) + (entry.isDirectory ? "/" : "")
        resources.append(resource(href: href, name: entry.name, real: opened.real + "/" + entry.name, info: entry.info))
      }
    }
    var response = Response(status: .multistatus, headers: [("Content-Type", "application/xml; charset=utf-8")])
    response.body = [.bytes(Array(WebDAV.multistatus(resources, query: query).utf8))]
    return response
  }

  private func resource(href: String, name: String, real: String, info: stat) -> WebDAV.Resource {
    let isDirectory = info.st_mode & S_IFMT == S_IFDIR
    let known = isDirectory ? nil : facts(real, info)
    return WebDAV.Resource(
      href: href, isDirectory: isDirectory, size: Int(info.st_size), modified: Int(info.st_mtim.tv_sec),
      etag: known?.validators.etag, type: known?.type, name: name)
  }
}

/// A very small XML scanner for PROPFIND bodies: element names with their namespace URI and
/// nesting depth, nothing else. Enough to read `propfind/prop/*`; anything it cannot read
/// yields no elements, which the caller answers with 400.
enum XMLScan {
  struct Element {
    var namespace: String
    var name: String
    var depth: Int
  }

  static func elements(_ text: String) -> [Element] {
    var result: [Element] = []
    var scopes: [[String: String]] = [[:]]
    var rest = Substring(text)
    while let open = rest.firstIndex(of: "<") {
      guard let close = rest[open...].firstIndex(of: ">") else { return [] }
      var tag = rest[rest.index(after: open)..<close]
      rest = rest[rest.index(after: close)...]
      if tag.hasPrefix("?") || tag.hasPrefix("!") { continue }  // declaration, comment
      if tag.hasPrefix("/") {
        if scopes.count > 1 { scopes.removeLast() }
        continue
      }
      let selfClosing = tag.hasSuffix("/")
      if selfClosing { tag = tag.dropLast() }
      let parts = tag.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
      guard let qualified = parts.first else { return [] }
      var scope = scopes.last!
      for attribute in parts.dropFirst() {
        let pair = attribute.split(separator: "=", maxSplits: 1)
        guard pair.count == 2, pair[0].hasPrefix("xmlns") else { continue }
        let prefix = pair[0] == "xmlns" ? "" : String(pair[0].dropFirst(6))
        scope[prefix] = String(pair[1].dropFirst().dropLast())
      }
      // "prefix:name" or "name"; an empty prefix or name (":", "a:", ":b") is not XML.
      let pieces = qualified.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
      guard !pieces.contains(where: \.isEmpty) else { return [] }
      let (prefix, local) = pieces.count == 2 ? (String(pieces[0]), String(pieces[1])) : ("", String(pieces[0]))
      result.append(Element(namespace: scope[prefix] ?? "", name: local, depth: scopes.count - 1))
      if !selfClosing { scopes.append(scope) }
    }
    return result
  }
}
