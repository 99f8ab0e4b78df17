/// Writes XML with correct namespace declarations (XML Namespaces 1.0): the multistatus answers
/// of PROPFIND and PROPPATCH, and dead property values stored as self-contained fragments.
///
/// The `DAV:` namespace is always the prefix `D` (declared on a multistatus's root, or where a
/// fragment first uses it). Any other namespace gets a prefix of its own, declared on the element
/// that first uses it. No default namespace is ever
/// declared, so an unprefixed name is in no namespace — which is what a property in the empty
/// namespace needs (binding a prefix to "" is forbidden, and a parser refuses the document).
public enum XMLWriter {
  static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"

  /// `text` escaped for character data and attribute values: the same five characters HTML
  /// escapes, so the one markup escaper serves both.
  public static func escape(_ text: String) -> String {
    PercentEncoding.html(text)
  }

  /// The start of an element named `{namespace}name`, with the declaration it needs: `D:name`
  /// for DAV:, `name` for no namespace, `ns0:name xmlns:ns0="…"` otherwise. Returns the open tag
  /// (without its closing ">") and the qualified name to close it with.
  static func open(_ namespace: String, _ name: String, prefixes: inout [String: String]) -> (
    tag: String, qualified: String
  ) {
    if namespace.isEmpty { return ("<\(name)", name) }
    if let prefix = prefixes[namespace] { return ("<\(prefix):\(name)", "\(prefix):\(name)") }
    let prefix = namespace == "DAV:" ? "D" : "ns\(prefixes.keys.filter { $0 != "DAV:" }.count)"
    prefixes[namespace] = prefix
    return ("<\(prefix):\(name) xmlns:\(prefix)=\"\(escape(namespace))\"", "\(prefix):\(name)")
  }

  /// Inside a multistatus, whose root declares `D` for DAV:.
  static let insideMultistatus = ["DAV:": "D"]

  /// An empty element `{namespace}name` inside a multistatus, namespaces declared on it.
  public static func empty(_ namespace: String, _ name: String) -> String {
    var prefixes = insideMultistatus
    return open(namespace, name, prefixes: &prefixes).tag + "/>"
  }

  /// `{namespace}name` holding `inner` (already XML) inside a multistatus, namespaces declared
  /// on it.
  public static func element(_ namespace: String, _ name: String, inner: String) -> String {
    var prefixes = insideMultistatus
    let (tag, qualified) = open(namespace, name, prefixes: &prefixes)
    return inner.isEmpty ? tag + "/>" : "\(tag)>\(inner)</\(qualified)>"
  }

  /// `content` as self-contained XML: each namespace declared where it is first needed, DAV:
  /// included, so a dead property's value parses on its own wherever it is put.
  public static func serialize(_ content: [XMLNode]) -> String {
    var prefixes: [String: String] = [:]
    return content.map { serialize($0, prefixes: &prefixes) }.joined()
  }

  private static func serialize(_ node: XMLNode, prefixes: inout [String: String]) -> String {
    switch node {
    case .text(let text):
      return escape(text)
    case .element(let element):
      var inner = prefixes  // declarations hold for this element's subtree only
      var (tag, qualified) = open(element.namespace, element.name, prefixes: &inner)
      for attribute in element.attributes {
        let name: String
        if attribute.namespace.isEmpty {
          name = attribute.name
        } else if attribute.namespace == xmlNamespace {
          name = "xml:" + attribute.name
        } else {
          let declared = open(attribute.namespace, attribute.name, prefixes: &inner)
          if declared.tag.contains(" xmlns:") { tag += declared.tag.drop { $0 != " " } }
          name = declared.qualified
        }
        tag += " \(name)=\"\(escape(attribute.value))\""
      }
      let body = element.content.map { serialize($0, prefixes: &inner) }.joined()
      return body.isEmpty ? tag + "/>" : "\(tag)>\(body)</\(qualified)>"
    }
  }
}
