import Foundation
import ServerCore
import TestSupport
import Testing

/// The served-folder seam on its own: what a client may see, and the changes it may make.
@Suite final class ServedFolderTests {
  let root: String
  let folder: ServedFolder

  init() throws {
    root = try Fixture.site()
    let real = try #require(realpath(root, nil))
    defer { free(real) }
    folder = ServedFolder(jail: PathResolver(root: String(cString: real), allowDotfiles: false))
  }

  deinit { Fixture.remove(root) }

  @Test func entriesHideDotfilesAndSymlinksOutOfTheRoot() throws {
    let names = Set(try #require(folder.entries(ofFolder: folder.jail.root)).map(\.name))
    #expect(names.contains("hello.txt") && names.contains("hello-link.txt") && names.contains("docs"))
    #expect(!names.contains(".secret"))
    #expect(!names.contains("passwd-link") && !names.contains("etc-link"))
    let link = try #require(folder.entries(ofFolder: folder.jail.root)?.first { $0.name == "hello-link.txt" })
    #expect(!link.isDirectory && link.info.st_size == 14)  // the target's facts, not the link's
    let open = ServedFolder(jail: PathResolver(root: folder.jail.root, allowDotfiles: true))
    #expect(open.entries(ofFolder: folder.jail.root)?.contains { $0.name == ".secret" } == true)
  }

  @Test func placesAreInsideTheRootAndNeverTheRootItself() throws {
    #expect(throws: PathResolver.Refusal.outside) { try folder.place([]) }
    #expect(throws: PathResolver.Refusal.notFound) { try folder.place(["missing", "x"]) }
    #expect(throws: PathResolver.Refusal.outside) { try folder.place(["etc-link", "x"]) }
    let place = try folder.place(["docs", "new.txt"])
    #expect(place.path == folder.jail.root + "/docs/new.txt")
    #expect(folder.existing(place) == nil)
  }

  @Test func changesGoThroughTheSeam() throws {
    let made = try folder.place(["made"])
    try folder.makeFolder(made)
    #expect(throws: AtomicUpload.Failure.self) { try folder.makeFolder(made) }  // EEXIST
    let upload = try folder.createUpload(at: try folder.place(["made", "a.txt"]))
    #expect(upload.write(Array("abc".utf8)))
    try upload.commit()
    try folder.copyTree(made, to: try folder.place(["copy"]))
    #expect(try String(contentsOfFile: root + "/copy/a.txt", encoding: .utf8) == "abc")
    try folder.rename(try folder.place(["copy", "a.txt"]), to: try folder.place(["copy", "b.txt"]))
    #expect(FileManager.default.fileExists(atPath: root + "/copy/b.txt"))
    #expect(throws: AtomicUpload.Failure.self) { try folder.removeFolder(try folder.place(["copy"])) }  // not empty
    #expect(throws: AtomicUpload.Failure.self) { try folder.removeFile(try folder.place(["copy"])) }  // a folder
    try folder.removeTree(try folder.place(["copy"]))
    #expect(!FileManager.default.fileExists(atPath: root + "/copy"))
  }

  @Test func aFolderHoldingAHiddenNameIsNeitherRemovedNorCopiedWithIt() throws {
    try FileManager.default.createDirectory(atPath: root + "/keep", withIntermediateDirectories: true)
    try "x".write(toFile: root + "/keep/.hidden", atomically: true, encoding: .utf8)
    try "y".write(toFile: root + "/keep/shown", atomically: true, encoding: .utf8)
    #expect(throws: AtomicUpload.Failure.self) { try folder.removeTree(try folder.place(["keep"])) }
    #expect(FileManager.default.fileExists(atPath: root + "/keep/.hidden"))
    try folder.copyTree(try folder.place(["keep"]), to: try folder.place(["kept"]))
    #expect(FileManager.default.fileExists(atPath: root + "/kept/shown"))
    #expect(!FileManager.default.fileExists(atPath: root + "/kept/.hidden"))
  }
}
