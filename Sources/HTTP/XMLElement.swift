import CExpat

/// A piece of an element's content.
public indirect enum XMLNode: Equatable, Sendable {
  case element(XMLElement)
  case text(String)
}

/// One element of a WebDAV request body, its namespace resolved (XML Namespaces 1.0) by expat,
/// the well-kept C parser, rather than by a scanner of our own.
public struct XMLElement: Equatable, Sendable {
  /// The namespace URI; "" for an element in no namespace.
  public var namespace: String
  public var name: String
  /// Attributes other than namespace declarations, as (namespace, name, value).
  public var attributes: [Attribute]
  /// Child elements and character data, in document order (a dead property's value is kept
  /// exactly, mixed content included).
  public var content: [XMLNode]

  /// The child elements.
  public var children: [XMLElement] {
    content.compactMap { if case .element(let e) = $0 { e } else { nil } }
  }

  /// The character data directly inside this element, concatenated.
  public var text: String {
    content.reduce(into: "") { if case .text(let t) = $1 { $0 += t } }
  }

  public struct Attribute: Equatable, Sendable {
    public var namespace: String
    public var name: String
    public var value: String
  }

  /// Whether this is `{namespace}name`.
  public func `is`(_ namespace: String, _ name: String) -> Bool {
    self.namespace == namespace && self.name == name
  }

  /// The first child that is `{namespace}name`.
  public func child(_ namespace: String, _ name: String) -> XMLElement? {
    children.first { $0.is(namespace, name) }
  }

  /// Why a body is not acceptable XML (answered 400).
  public struct Failure: Error, Equatable, CustomStringConvertible {
    public let description: String
  }

  /// The deepest nesting accepted: no WebDAV body needs more, and a bound keeps a hostile one
  /// from costing memory or stack.
  public static let maximumDepth = 64

  /// Parses a whole document with expat, namespaces resolved. A DOCTYPE is refused outright, so
  /// no entity can be declared (no external entities, no entity expansion bombs); a namespace
  /// declaration that XML Namespaces 1.0 forbids (`xmlns:p=""`) is expat's error, and so is
  /// anything not well formed.
  public static func parse(_ bytes: [UInt8]) throws(Failure) -> XMLElement {
    let builder = TreeBuilder()
    guard let parser = XML_ParserCreateNS("UTF-8", 0x01) else { throw Failure(description: "out of memory") }
    defer { XML_ParserFree(parser) }
    XML_SetUserData(parser, Unmanaged.passUnretained(builder).toOpaque())
    builder.parser = parser
    XML_SetElementHandler(parser, startElement, endElement)
    XML_SetCharacterDataHandler(parser, characterData)
    XML_SetStartDoctypeDeclHandler(parser, refuseDoctype)
    let status = bytes.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { XML_Parse(parser, $0.baseAddress, Int32($0.count), 1) }
    }
    if let refusal = builder.refusal { throw Failure(description: refusal) }
    guard status == XML_STATUS_OK else {
      let message = XML_ErrorString(XML_GetErrorCode(parser)).map { String(cString: $0) } ?? "not well formed"
      throw Failure(description: "\(message) at line \(XML_GetCurrentLineNumber(parser))")
    }
    guard let root = builder.root else { throw Failure(description: "no root element") }
    return root
  }
}

/// Collects expat's events into a tree; expat calls back through C function pointers with this
/// object as user data.
private final class TreeBuilder {
  var parser: XML_Parser?
  var stack: [XMLElement] = []
  var root: XMLElement?
  var refusal: String?

  func stop(_ reason: String) {
    refusal = refusal ?? reason
    if let parser { XML_StopParser(parser, 0) }
  }

  static func split(_ expanded: UnsafePointer<CChar>) -> (namespace: String, name: String) {
    let text = String(cString: expanded)
    guard let mark = text.firstIndex(of: "\u{1}") else { return ("", text) }
    return (String(text[..<mark]), String(text[text.index(after: mark)...]))
  }
}

private func builder(_ data: UnsafeMutableRawPointer?) -> TreeBuilder {
  Unmanaged<TreeBuilder>.fromOpaque(data!).takeUnretainedValue()
}

private func startElement(
  _ data: UnsafeMutableRawPointer?, _ name: UnsafePointer<CChar>?,
  _ attributes: UnsafeMutablePointer<UnsafePointer<CChar>?>?
) {
  let b = builder(data)
  guard b.stack.count < XMLElement.maximumDepth else { return b.stop("nested deeper than \(XMLElement.maximumDepth)") }
  let (namespace, local) = TreeBuilder.split(name!)
  var list: [XMLElement.Attribute] = []
  var index = 0
  while let key = attributes?[index], let value = attributes?[index + 1] {
    let (ns, n) = TreeBuilder.split(key)
    list.append(XMLElement.Attribute(namespace: ns, name: n, value: String(cString: value)))
    index += 2
  }
  b.stack.append(XMLElement(namespace: namespace, name: local, attributes: list, content: []))
}

private func endElement(_ data: UnsafeMutableRawPointer?, _ name: UnsafePointer<CChar>?) {
  let b = builder(data)
  guard let done = b.stack.popLast() else { return }
  if b.stack.isEmpty {
    b.root = done
  } else {
    b.stack[b.stack.count - 1].content.append(.element(done))
  }
}

private func characterData(_ data: UnsafeMutableRawPointer?, _ text: UnsafePointer<CChar>?, _ length: Int32) {
  let b = builder(data)
  guard !b.stack.isEmpty, let text, length > 0 else { return }
  let bytes = UnsafeRawBufferPointer(start: text, count: Int(length))
  let piece = String(decoding: bytes, as: UTF8.self)
  let top = b.stack.count - 1
  if case .text(let before) = b.stack[top].content.last {
    b.stack[top].content[b.stack[top].content.count - 1] = .text(before + piece)
  } else {
    b.stack[top].content.append(.text(piece))
  }
}

private func refuseDoctype(
  _ data: UnsafeMutableRawPointer?, _ name: UnsafePointer<CChar>?, _ systemID: UnsafePointer<CChar>?,
  _ publicID: UnsafePointer<CChar>?, _ hasInternalSubset: Int32
) {
  builder(data).stop("a DOCTYPE is not accepted")
}
