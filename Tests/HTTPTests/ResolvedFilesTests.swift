import Foundation
import TestSupport
import Testing

@testable import HTTP

/// Files met again are answered from what was kept, and never after they changed: each kind of
/// change a user makes to a served folder is followed at once by a request.
@Suite final class ResolvedFilesTests {
  let root: String
  let service: FileService

  init() throws {
    root = try Fixture.site()
    service = try FileService(options: FileServerOptions(root: root))
  }

  deinit { Fixture.remove(root) }

  func body(_ target: String) -> String? {
    var request = Request(method: .get, target: target, minorVersion: 1)
    request.host = "h"
    let response = service.respond(to: request)
    guard response.status == .ok else { return nil }
    return String(
      decoding: response.body.flatMap { part -> [UInt8] in
        switch part {
        case .bytes(let b): return b
        case .file(let f, let offset, let length): return f.read(offset: offset, length: length) ?? []
        case .stream: return []
        }
      }, as: UTF8.self)
  }

  func write(_ text: String, _ name: String) throws {
    try text.write(toFile: root + "/" + name, atomically: false, encoding: .utf8)
  }

  @Test func rewriteInPlaceOfTheSameSizeIsSeen() throws {
    try write("first", "note.txt")
    #expect(body("/note.txt") == "first")
    #expect(body("/note.txt") == "first")
    for text in ["secnd", "third", "forth"] {
      try write(text, "note.txt")
      #expect(body("/note.txt") == text)
    }
  }

  @Test func renameOverAndDeleteAreSeen() throws {
    try write("old", "page.txt")
    #expect(body("/page.txt") == "old")
    try write("new", "incoming.tmp")
    #expect(rename(root + "/incoming.tmp", root + "/page.txt") == 0)
    #expect(body("/page.txt") == "new")
    #expect(unlink(root + "/page.txt") == 0)
    #expect(body("/page.txt") == nil)
  }

  @Test func changesInSubfoldersAndOfFoldersAreSeen() throws {
    try FileManager.default.createDirectory(atPath: root + "/a/b", withIntermediateDirectories: true)
    try write("deep", "a/b/f.txt")
    #expect(body("/a/b/f.txt") == "deep")
    try FileManager.default.createDirectory(atPath: root + "/c/b", withIntermediateDirectories: true)
    try write("other", "c/b/f.txt")
    #expect(rename(root + "/a", root + "/old-a") == 0)
    #expect(rename(root + "/c", root + "/a") == 0)
    #expect(body("/a/b/f.txt") == "other")
  }

  @Test func aPathThroughASymlinkIsCheckedEachTime() throws {
    try write("via link", "target.txt")
    try FileManager.default.createSymbolicLink(atPath: root + "/link.txt", withDestinationPath: "target.txt")
    #expect(body("/link.txt") == "via link")
    try write("changed!", "target.txt")
    #expect(body("/link.txt") == "changed!")
    try FileManager.default.removeItem(atPath: root + "/link.txt")
    try FileManager.default.createSymbolicLink(atPath: root + "/link.txt", withDestinationPath: "/etc/hostname")
    #expect(body("/link.txt") == nil)
  }

  @Test func largeFilesAreReopenedAndChecked() throws {
    let big = String(repeating: "x", count: 100_000)
    try write(big, "large.txt")
    #expect(body("/large.txt")?.count == 100_000)
    try write(String(repeating: "y", count: 100_000), "large.txt")
    #expect(body("/large.txt")?.first == "y")
  }

  @Test func changesAreSeenAfterTheTableStartsAgain() throws {
    // More files than the table holds: it starts again with a fresh watcher, and still sees edits.
    try FileManager.default.createDirectory(atPath: root + "/many", withIntermediateDirectories: true)
    for i in 0..<(ResolvedFiles.capacity + 10) { try write("v\(i)", "many/f\(i).txt") }
    for i in 0..<(ResolvedFiles.capacity + 10) { #expect(body("/many/f\(i).txt") == "v\(i)") }
    for i in [0, 5, ResolvedFiles.capacity + 5] {
      #expect(body("/many/f\(i).txt") == "v\(i)")
      try write("w\(i)", "many/f\(i).txt")
      #expect(body("/many/f\(i).txt") == "w\(i)")
    }
  }
}
