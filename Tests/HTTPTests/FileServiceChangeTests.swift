import Foundation
import TestSupport
import Testing

@testable import HTTP

/// Files met again are answered from what was kept (`ResolvedFiles`), and never after they
/// changed: each kind of change a user makes to a served folder is followed at once by a request.
extension FileServiceTests {
  /// The body of a 200 answer to GET `target` as text; nil for any other status.
  func text(_ target: String) -> String? {
    let response = get(target)
    return response.status == .ok ? String(decoding: bytes(response), as: UTF8.self) : nil
  }

  func write(_ text: String, _ name: String) throws {
    try text.write(toFile: root + "/" + name, atomically: false, encoding: .utf8)
  }

  @Test func rewriteInPlaceOfTheSameSizeIsSeen() throws {
    try write("first", "note.txt")
    #expect(text("/note.txt") == "first")
    #expect(text("/note.txt") == "first")
    for content in ["secnd", "third", "forth"] {
      try write(content, "note.txt")
      #expect(text("/note.txt") == content)
    }
  }

  @Test func renameOverAndDeleteAreSeen() throws {
    try write("old", "page.txt")
    #expect(text("/page.txt") == "old")
    try write("new", "incoming.tmp")
    #expect(rename(root + "/incoming.tmp", root + "/page.txt") == 0)
    #expect(text("/page.txt") == "new")
    #expect(unlink(root + "/page.txt") == 0)
    #expect(text("/page.txt") == nil)
  }

  @Test func changesInSubfoldersAndOfFoldersAreSeen() throws {
    try FileManager.default.createDirectory(atPath: root + "/a/b", withIntermediateDirectories: true)
    try write("deep", "a/b/f.txt")
    #expect(text("/a/b/f.txt") == "deep")
    try FileManager.default.createDirectory(atPath: root + "/c/b", withIntermediateDirectories: true)
    try write("other", "c/b/f.txt")
    #expect(rename(root + "/a", root + "/old-a") == 0)
    #expect(rename(root + "/c", root + "/a") == 0)
    #expect(text("/a/b/f.txt") == "other")
  }

  @Test func aPathThroughASymlinkIsCheckedEachTime() throws {
    try write("via link", "target.txt")
    try FileManager.default.createSymbolicLink(atPath: root + "/link.txt", withDestinationPath: "target.txt")
    #expect(text("/link.txt") == "via link")
    try write("changed!", "target.txt")
    #expect(text("/link.txt") == "changed!")
    try FileManager.default.removeItem(atPath: root + "/link.txt")
    try FileManager.default.createSymbolicLink(atPath: root + "/link.txt", withDestinationPath: "/etc/hostname")
    #expect(text("/link.txt") == nil)
  }

  @Test func largeFilesAreReopenedAndChecked() throws {
    let big = String(repeating: "x", count: 100_000)
    try write(big, "large.txt")
    #expect(text("/large.txt")?.count == 100_000)
    try write(String(repeating: "y", count: 100_000), "large.txt")
    #expect(text("/large.txt")?.first == "y")
  }

  @Test func changesAreSeenAfterTheTableStartsAgain() throws {
    // More files than the table holds: it starts again with a fresh watcher, and still sees edits.
    try FileManager.default.createDirectory(atPath: root + "/many", withIntermediateDirectories: true)
    for i in 0..<(ResolvedFiles.capacity + 10) { try write("v\(i)", "many/f\(i).txt") }
    for i in 0..<(ResolvedFiles.capacity + 10) { #expect(text("/many/f\(i).txt") == "v\(i)") }
    for i in [0, 5, ResolvedFiles.capacity + 5] {
      #expect(text("/many/f\(i).txt") == "v\(i)")
      try write("w\(i)", "many/f\(i).txt")
      #expect(text("/many/f\(i).txt") == "w\(i)")
    }
  }
}
