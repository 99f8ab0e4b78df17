import Foundation
import ServerCore
import TestSupport
import Testing

@testable import HTTP

/// Folder listings: sorting, the JSON and text forms, the breadcrumb and the README below.
@Suite final class ListingTests {
  let root: String
  let service: FileService

  init() throws {
    root = try Fixture.site()
    // Sizes and times that sort differently from the names.
    for (name, size, mtime) in [("a-big.bin", 5000, 1_000), ("b-small.bin", 10, 3_000), ("c-mid.bin", 700, 2_000)] {
      try Data(repeating: 0x61, count: size).write(to: URL(fileURLWithPath: root + "/docs/" + name))
      var times = [timespec(tv_sec: mtime, tv_nsec: 0), timespec(tv_sec: mtime, tv_nsec: 0)]
      utimensat(AT_FDCWD, root + "/docs/" + name, &times, 0)
    }
    service = try FileService(options: FileServerOptions(root: root))
  }

  deinit { Fixture.remove(root) }

  func get(_ target: String, accept: String? = nil) -> (type: String?, text: String) {
    var request = Request(method: .get, target: target, minorVersion: 1)
    request.host = "h"
    request.accept = accept
    let response = service.respond(to: request)
    let body = response.body.flatMap { part -> [UInt8] in
      if case .bytes(let b) = part { return b }
      return []
    }
    return (response.header("Content-Type"), String(decoding: body, as: UTF8.self))
  }

  func order(_ text: String, _ names: [String]) -> [String] {
    names.sorted { text.range(of: $0)!.lowerBound < text.range(of: $1)!.lowerBound }
  }

  @Test func queryAndAcceptChooseTheForm() {
    #expect(ListingQuery(query: nil, accept: nil) == ListingQuery())
    #expect(ListingQuery(query: "sort=size&order=desc", accept: nil) == ListingQuery(sort: .size, descending: true))
    #expect(ListingQuery(query: "sort=mtime", accept: nil).sort == .date)
    #expect(ListingQuery(query: "sort=bogus&order=sideways&x", accept: nil) == ListingQuery())
    #expect(ListingQuery(query: "format=json", accept: nil).format == .json)
    #expect(ListingQuery(query: "format=txt", accept: nil).format == .text)
    #expect(ListingQuery(query: nil, accept: "application/json").format == .json)
    #expect(ListingQuery(query: nil, accept: "text/html,application/json;q=0.9").format == .html)
    #expect(ListingQuery(query: nil, accept: "application/json;q=0").format == .html)
    #expect(ListingQuery(query: "format=text", accept: "application/json").format == .text)
    // A head already sorted flips its order; another starts ascending by name, descending otherwise.
    #expect(ListingQuery(sort: .size).link(sortingBy: .size) == "?sort=size&order=desc")
    #expect(ListingQuery().link(sortingBy: .name) == "?sort=name&order=desc")
    #expect(ListingQuery(sort: .size).link(sortingBy: .name) == "?sort=name&order=asc")
  }

  @Test func sortsByNameSizeAndDateWithFoldersFirst() {
    let names = ["a-big.bin", "b-small.bin", "c-mid.bin", "readme.txt"]
    #expect(order(get("/docs/?format=text").text, names) == names)
    #expect(
      order(get("/docs/?sort=size&format=text").text, names) == ["b-small.bin", "readme.txt", "c-mid.bin", "a-big.bin"])
    #expect(
      order(get("/docs/?sort=size&order=desc&format=text").text, names) == [
        "a-big.bin", "c-mid.bin", "readme.txt", "b-small.bin",
      ])
    #expect(
      order(get("/docs/?sort=date&format=text").text, names).prefix(3) == ["a-big.bin", "c-mid.bin", "b-small.bin"])
    let root = get("/?sort=size&order=desc&format=text").text
    #expect(root.hasPrefix("d\t"), "folders first whatever the order: \(root)")
  }

  @Test func jsonIsValidAndComplete() throws {
    let (type, text) = get("/docs/?format=json")
    #expect(type == "application/json")
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    #expect(object["path"] as? String == "/docs/")
    let entries = object["entries"] as! [[String: Any]]
    let big = entries.first { $0["name"] as? String == "a-big.bin" }!
    #expect(big["type"] as? String == "file")
    #expect(big["size"] as? Int == 5000)
    #expect(big["mtime"] as? String == "1970-01-01T00:16:40Z")
    // Odd names survive the round trip, and Accept alone asks for JSON too.
    let top =
      try JSONSerialization.jsonObject(with: Data(get("/", accept: "application/json").text.utf8)) as! [String: Any]
    let names = (top["entries"] as! [[String: Any]]).compactMap { $0["name"] as? String }
    #expect(names.contains("<b>&amp.txt") && names.contains("ünïcödé.txt") && names.contains("docs"))
    #expect(JSONText.string("a\"b\\c\n\u{1}") == "\"a\\\"b\\\\c\\n\\u0001\"")
  }

  @Test func textIsOneTabSeparatedLinePerEntry() {
    let (type, text) = get("/docs/?format=text")
    #expect(type == "text/plain; charset=utf-8")
    #expect(text.contains("f\t5000\t1970-01-01T00:16:40Z\ta-big.bin\n"))
    let odd = DirectoryEntry(name: "tab\there\nand\\", isDirectory: true, size: 0, modified: 0)
    #expect(DirectoryListing.text(entries: [odd]) == "d\t0\t1970-01-01T00:00:00Z\ttab\\there\\nand\\\\/\n")
  }

  @Test func htmlHasSortingHeadsABreadcrumbAndTheReadme() throws {
    let readme = """
      # Hello *world*

      <script>alert(1)</script>

      A [link](https://example.org/) and [another](javascript:alert(2)), `code` & more.

      <img src=x onerror=alert(3)>
      """
    try readme.write(toFile: root + "/docs/README.md", atomically: true, encoding: .utf8)
    let (_, page) = get("/docs/?sort=size&order=desc")
    #expect(page.contains("<a href=\"?sort=size&order=asc\">Size ↓</a>"))
    #expect(page.contains("<a href=\"?sort=name&order=asc\">Name</a>"))
    #expect(page.contains("<a href=\"/\">/</a><a href=\"/docs/\">docs/</a>"))
    // Rendered by cmark: headings, emphasis, links and code become HTML ...
    #expect(page.contains("<h1>Hello <em>world</em></h1>"))
    #expect(page.contains("<a href=\"https://example.org/\">link</a>"))
    #expect(page.contains("<code>code</code> &amp; more"))
    // ... and its safe mode leaves out raw HTML and script links.
    #expect(!page.contains("<script>") && !page.contains("onerror") && !page.contains("javascript:"))
    #expect(page.contains("<a href=\"\">another</a>"))
    #expect(!get("/").text.contains("class=\"readme\""))
  }
}
