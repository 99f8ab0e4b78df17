import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// WebDAV's PROPFIND (RFC 4918 §9.1) and the multistatus it answers with: live properties from
/// the file system, dead ones from the file's extended attributes (PROPPATCH), and the lock
/// properties (class 2). Depth 0 and 1 only; Depth infinity — which a missing Depth field
/// means — is refused with the `propfind-finite-depth` precondition.
public enum WebDAV {
  /// The live properties served, in the DAV: namespace (all protected from PROPPATCH).
  static let liveProperties = [
    "resourcetype", "getcontentlength", "getlastmodified", "getetag", "getcontenttype", "displayname",
    "lockdiscovery", "supportedlock", "creationdate", "getcontentlanguage", "source",
  ]

  /// The lock kinds offered: exclusive and shared write locks.
  static let supportedLock =
    "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>"
    + "<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>"

  /// What a PROPFIND body asks for.
  public enum Query: Equatable, Sendable {
    case allProperties
    case propertyNames
    /// Named properties, as (namespace URI, local name).
    case properties([PropertyName])
  }

  public struct PropertyName: Hashable, Sendable {
    public var namespace: String
    public var name: String
    public init(namespace: String, name: String) {
      self.namespace = namespace
      self.name = name
    }
  }

  /// Reads a PROPFIND body with expat: empty means allprop (RFC 4918 §9.1). Nil for a body that
  /// is not well-formed, namespace-valid XML with a propfind root (answered 400).
  public static func query(_ body: [UInt8]) -> Query? {
    if body.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { return .allProperties }
    guard let root = try? XMLElement.parse(body), root.is("DAV:", "propfind") else { return nil }
    if root.child("DAV:", "propname") != nil { return .propertyNames }
    if let prop = root.child("DAV:", "prop") {
      return .properties(prop.children.map { PropertyName(namespace: $0.namespace, name: $0.name) })
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
    /// Its dead properties, each value as XML.
    var dead: [PropertyName: String]
    var locks: [LockTable.Lock]
  }

  /// The values of a resource's live properties, as XML.
  static func liveValues(_ r: Resource) -> [(String, String)] {
    var values: [(String, String)] = [
      ("resourcetype", r.isDirectory ? "<D:collection/>" : ""),
      ("getlastmodified", HTTPDate.format(r.modified)),
      ("displayname", XMLWriter.escape(r.name)),
    ]
    if !r.isDirectory {
      values.append(("getcontentlength", String(r.size)))
      if let etag = r.etag { values.append(("getetag", XMLWriter.escape(etag))) }
      if let type = r.type { values.append(("getcontenttype", XMLWriter.escape(type))) }
    }
    values.append(("lockdiscovery", r.locks.map(activeLock).joined()))
    values.append(("supportedlock", supportedLock))
    return values
  }

  /// The 207 Multi-Status body for `resources`.
  static func multistatus(_ resources: [Resource], query: Query) -> String {
    var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\">\n"
    for r in resources {
      let live = liveValues(r)
      out += "<D:response><D:href>\(XMLWriter.escape(r.href))</D:href>\n"
      switch query {
      case .allProperties:
        let dead = r.dead.sorted { ($0.key.namespace, $0.key.name) < ($1.key.namespace, $1.key.name) }
        out += propstat(
          live.map { XMLWriter.element("DAV:", $0.0, inner: $0.1) }
            + dead.map { XMLWriter.element($0.key.namespace, $0.key.name, inner: $0.value) }, "200 OK")
      case .propertyNames:
        out += propstat(
          live.map { XMLWriter.empty("DAV:", $0.0) } + r.dead.keys.map { XMLWriter.empty($0.namespace, $0.name) },
          "200 OK")
      case .properties(let names):
        var found: [String] = []
        var missing: [String] = []
        for p in names {
          if p.namespace == "DAV:", let value = live.first(where: { $0.0 == p.name })?.1 {
            found.append(XMLWriter.element("DAV:", p.name, inner: value))
          } else if let value = r.dead[p] {
            found.append(XMLWriter.element(p.namespace, p.name, inner: value))
          } else {
            missing.append(XMLWriter.empty(p.namespace, p.name))
          }
        }
        if !found.isEmpty { out += propstat(found, "200 OK") }
        if !missing.isEmpty { out += propstat(missing, "404 Not Found") }
      }
      out += "</D:response>\n"
    }
    return out + "</D:multistatus>\n"
  }

  static func propstat(_ properties: [String], _ status: String, description: String? = nil) -> String {
    "<D:propstat><D:prop>\(properties.joined())</D:prop><D:status>HTTP/1.1 \(status)</D:status>"
      + (description.map { "<D:responsedescription>\(XMLWriter.escape($0))</D:responsedescription>" } ?? "")
      + "</D:propstat>\n"
  }

  /// One lock, as `lockdiscovery` lists it (RFC 4918 §14.1).
  static func activeLock(_ lock: LockTable.Lock) -> String {
    "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope>\(lock.exclusive ? "<D:exclusive/>" : "<D:shared/>")"
      + "</D:lockscope><D:depth>\(lock.deep ? "infinity" : "0")</D:depth>"
      + (lock.owner.isEmpty ? "" : "<D:owner>\(lock.owner)</D:owner>")
      + "<D:timeout>Second-\(lock.seconds)</D:timeout>"
      + "<D:locktoken><D:href>\(lock.token)</D:href></D:locktoken>"
      + "<D:lockroot><D:href>\(XMLWriter.escape(PathResolver.canonicalURLPath(lock.root)))</D:href></D:lockroot>"
      + "</D:activelock>"
  }

  /// The prefix of the extended attributes that hold dead properties: "user.dav:{ns}name".
  static let attributePrefix = "user.dav:"

  /// The attribute name of a dead property, and back.
  static func attributeName(_ p: PropertyName) -> String { "{\(p.namespace)}\(p.name)" }

  static func propertyName(attribute: String) -> PropertyName? {
    guard attribute.hasPrefix("{"), let close = attribute.firstIndex(of: "}") else { return nil }
    let namespace = String(attribute[attribute.index(after: attribute.startIndex)..<close])
    let name = String(attribute[attribute.index(after: close)...])
    return name.isEmpty ? nil : PropertyName(namespace: namespace, name: name)
  }

  /// An XML error body (`<D:error>`) naming a precondition or postcondition.
  static func errorBody(_ condition: String) -> [UInt8] {
    Array("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"DAV:\">\(condition)</D:error>\n".utf8)
  }
}

extension FileService {
  /// PROPFIND on `request.path`: 207 with the resource and, for Depth 1 on a folder, its
  /// entries (as the listing shows them: no hidden names, no symlinks out of the root).
  public func propfind(_ request: Request, body: [UInt8]) -> Response {
    guard request.depth == "0" || request.depth == "1" else {
      return Response(
        status: .forbidden, headers: [("Content-Type", "application/xml; charset=utf-8")],
        body: [.bytes(WebDAV.errorBody("<D:propfind-finite-depth/>"))])
    }
    guard let query = WebDAV.query(body) else { return .error(.badRequest) }
    let opened: (file: OpenFile, path: String, real: String, info: stat)
    switch openForReading(request.path) {
    case .refused(let refusal): return refusal
    case .ready(let found): opened = found
    }
    let segments = (try? resolver.segments(of: request.path)) ?? []
    let info = opened.info
    let isDirectory = info.st_mode & S_IFMT == S_IFDIR
    var base = request.path
    if isDirectory && !base.hasSuffix("/") { base += "/" }
    let name = opened.real == resolver.root ? "/" : String(opened.real.split(separator: "/").last ?? "")
    var resources = [
      resource(href: base, name: name, real: opened.real, info: info, segments: segments)
    ]
    if isDirectory && request.depth == "1" {
      for entry in (folder.entries(ofFolder: opened.real) ?? []).sorted(by: { $0.name < $1.name }) {
        let href = base + PercentEncoding.encodeSegment(entry.name) + (entry.isDirectory ? "/" : "")
        resources.append(
          resource(
            href: href, name: entry.name, real: opened.real + "/" + entry.name, info: entry.info,
            segments: segments + [entry.name]))
      }
    }
    return Response(
      status: .multistatus, headers: [("Content-Type", "application/xml; charset=utf-8")],
      body: [.bytes(Array(WebDAV.multistatus(resources, query: query).utf8))])
  }

  private func resource(
    href: String, name: String, real: String, info: stat, segments: [String]
  ) -> WebDAV.Resource {
    let isDirectory = info.st_mode & S_IFMT == S_IFDIR
    let known = isDirectory ? nil : facts(real, info)
    return WebDAV.Resource(
      href: href, isDirectory: isDirectory, size: Int(info.st_size), modified: Int(info.st_mtim.tv_sec),
      etag: known?.validators.etag, type: known?.type, name: name, dead: deadProperties(of: real),
      locks: options.locks.covering(segments))
  }

  /// The dead properties kept for the file or folder at `path`.
  func deadProperties(of path: String) -> [WebDAV.PropertyName: String] {
    var result: [WebDAV.PropertyName: String] = [:]
    for (attribute, value) in folder.extendedAttributes(of: path, prefix: WebDAV.attributePrefix) {
      guard let name = WebDAV.propertyName(attribute: attribute) else { continue }
      result[name] = String(decoding: value, as: UTF8.self)
    }
    return result
  }
}
