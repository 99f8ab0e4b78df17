import ServerCore

#if canImport(Glibc)
  import Glibc
#endif

/// PROPPATCH (RFC 4918 §9.2): dead properties set and removed in document order, all or nothing.
/// They live in the file's extended attributes ("user.dav:{namespace}name", the value as
/// self-contained XML), so a MOVE carries them, a DELETE removes them and a COPY copies them.
extension FileService {
  /// One instruction of a propertyupdate body.
  struct PropertyChange {
    var name: WebDAV.PropertyName
    /// The new value as XML; nil to remove the property.
    var value: String?
  }

  /// Reads a propertyupdate body: its set and remove instructions in document order; nil when it
  /// is not one (400).
  static func propertyChanges(_ body: [UInt8]) -> [PropertyChange]? {
    guard let root = try? XMLElement.parse(body), root.is("DAV:", "propertyupdate") else { return nil }
    var changes: [PropertyChange] = []
    for instruction in root.children {
      let setting = instruction.is("DAV:", "set")
      guard setting || instruction.is("DAV:", "remove") else { continue }
      for prop in instruction.children where prop.is("DAV:", "prop") {
        for property in prop.children {
          let name = WebDAV.PropertyName(namespace: property.namespace, name: property.name)
          changes.append(PropertyChange(name: name, value: setting ? XMLWriter.serialize(property.content) : nil))
        }
      }
    }
    return changes.isEmpty ? nil : changes
  }

  /// PROPPATCH on `request.path`: 207 with one propstat per outcome. Protected (live, DAV:)
  /// properties get 403 and the others 424; a failure of the file system part-way undoes what
  /// was already done, so the resource ends as it was or with every change made.
  public func proppatch(_ request: Request, body: [UInt8]) -> Response {
    guard let changes = Self.propertyChanges(body) else { return .error(.badRequest) }
    let real: String
    switch openForReading(request.path) {
    case .refused(let refusal): return refusal
    case .ready(let found): real = found.real
    }
    var outcomes: [(WebDAV.PropertyName, String, String?)] = []
    if changes.contains(where: { $0.name.namespace == "DAV:" }) {
      for change in changes {
        outcomes.append(
          change.name.namespace == "DAV:"
            ? (change.name, "403 Forbidden", "a live property cannot be changed")
            : (change.name, "424 Failed Dependency", nil))
      }
      return multistatus(request.path, outcomes, error: "<D:cannot-modify-protected-property/>")
    }
    var undo: [(name: String, old: [UInt8]?)] = []
    for (index, change) in changes.enumerated() {
      let attribute = WebDAV.attributePrefix + WebDAV.attributeName(change.name)
      let old = folder.extendedAttribute(of: real, name: attribute)
      do throws(AtomicUpload.Failure) {
        guard attribute.utf8.count <= 255 else { throw AtomicUpload.Failure(errno: ENAMETOOLONG, what: "setxattr") }
        if let value = change.value {
          try folder.setExtendedAttribute(of: real, name: attribute, value: Array(value.utf8))
        } else {
          try folder.removeExtendedAttribute(of: real, name: attribute)
        }
        undo.append((attribute, old))
      } catch {
        for step in undo.reversed() {
          if let old = step.old {
            try? folder.setExtendedAttribute(of: real, name: step.name, value: old)
          } else {
            try? folder.removeExtendedAttribute(of: real, name: step.name)
          }
        }
        let (status, why) = Self.propertyFailure(error)
        for (other, c) in changes.enumerated() {
          outcomes.append(other == index ? (c.name, status, why) : (c.name, "424 Failed Dependency", nil))
        }
        return multistatus(request.path, outcomes, error: nil)
      }
    }
    return multistatus(request.path, changes.map { ($0.name, "200 OK", nil) }, error: nil)
  }

  /// Why the file system refused a dead property, as a status and a reason.
  static func propertyFailure(_ error: AtomicUpload.Failure) -> (String, String) {
    switch error.errno {
    case ENOTSUP: ("403 Forbidden", "the file system here keeps no user extended attributes")
    case E2BIG, ENOSPC, ERANGE, EDQUOT: ("507 Insufficient Storage", "the value is too large for the file system")
    case ENAMETOOLONG: ("403 Forbidden", "the property's name is too long to keep")
    default: ("403 Forbidden", "\(error)")
    }
  }

  /// A PROPPATCH answer: one propstat per distinct status, the properties in it empty.
  private func multistatus(
    _ href: String, _ outcomes: [(WebDAV.PropertyName, String, String?)], error: String?
  ) -> Response {
    var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\">\n"
    xml += "<D:response><D:href>\(XMLWriter.escape(href))</D:href>\n"
    var statuses: [String] = []
    for (_, status, _) in outcomes where !statuses.contains(status) { statuses.append(status) }
    for status in statuses {
      let group = outcomes.filter { $0.1 == status }
      xml += WebDAV.propstat(
        group.map { XMLWriter.empty($0.0.namespace, $0.0.name) }, status, description: group.compactMap(\.2).first)
    }
    if let error { xml += "<D:error>\(error)</D:error>\n" }
    xml += "</D:response>\n</D:multistatus>\n"
    return Response(
      status: .multistatus, headers: [("Content-Type", "application/xml; charset=utf-8")],
      body: [.bytes(Array(xml.utf8))])
  }
}
