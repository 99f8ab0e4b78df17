import Foundation
import ServerCore
import TestSupport
import Testing
import Transport

@testable import HTTP

/// `GET /dir/?download=tar`, checked with GNU tar, Python's tarfile and curl.
@Suite final class FolderArchiveTests {
  let root: String
  let server: TestServer
  let work: String
  static let longFolder = String(repeating: "x", count: 70) + "/" + String(repeating: "y", count: 70)

  init() throws {
    root = try Fixture.site()
    try FileManager.default.createDirectory(atPath: root + "/" + Self.longFolder, withIntermediateDirectories: true)
    try "deep\n".write(toFile: root + "/" + Self.longFolder + "/long-name.txt", atomically: true, encoding: .utf8)
    try "secret\n".write(toFile: root + "/.hidden", atomically: true, encoding: .utf8)
    server = try TestServer(root: root)
    work = try Fixture.scratch("tar")
  }

  deinit {
    server.stop()
    Fixture.remove(root)
    Fixture.remove(work)
  }

  func curl(_ arguments: [String]) throws -> Command.Result {
    try Command.run("curl", ["-sS", "--max-time", "60"] + arguments)
  }

  @Test func gnuTarAndPythonReadTheArchive() throws {
    let r = try curl(["-D", work + "/head", "-o", work + "/site.tar", server.url("/?download=tar")])
    #expect(r.status == 0, "\(r.err)")
    let head = try String(contentsOfFile: work + "/head", encoding: .utf8)
    let size = try FileManager.default.attributesOfItem(atPath: work + "/site.tar")[.size] as! Int
    #expect(head.contains("Content-Length: \(size)\r\n"))
    #expect(head.contains("Content-Type: application/x-tar"))
    let name = URL(fileURLWithPath: root).lastPathComponent
    let list = try Command.run("tar", ["-tf", work + "/site.tar"])
    #expect(list.status == 0, "\(list.err)")
    let members = Set(list.out.split(separator: "\n").map(String.init))
    for expected in [
      "hello.txt", "docs/readme.txt", "ünïcödé.txt", "<b>&amp.txt", "hello-link.txt",
      Self.longFolder + "/long-name.txt",
    ] {
      #expect(members.contains("\(name)/\(expected)"), "\(expected) in \(members)")
    }
    // Hidden names and symlinks out of the root are never included.
    #expect(!members.contains { $0.contains(".hidden") || $0.contains("passwd-link") || $0.contains("etc-link") })
    let extract = try Command.run("tar", ["-xf", work + "/site.tar", "-C", work])
    #expect(extract.status == 0, "\(extract.err)")
    for file in ["hello.txt", "big.bin", "ünïcödé.txt", Self.longFolder + "/long-name.txt"] {
      let original = try Data(contentsOf: URL(fileURLWithPath: root + "/" + file))
      let copy = try Data(contentsOf: URL(fileURLWithPath: work + "/\(name)/" + file))
      #expect(original == copy, "\(file)")
    }
    let python = try Command.run(
      "python3",
      [
        "-c",
        "import sys,tarfile; t=tarfile.open(sys.argv[1]); print(t.extractfile(sys.argv[2]).read().decode(), end='')",
        work + "/site.tar", "\(name)/\(Self.longFolder)/long-name.txt",
      ])
    #expect(python.out == "deep\n", "\(python.err)")
  }

  @Test func sameFolderSameBytesAndResumableWithRange() throws {
    let url = server.url("/docs/?download=tar")
    let first = try curl(["-o", work + "/a.tar", url])
    let second = try curl(["-o", work + "/b.tar", url])
    #expect(first.status == 0 && second.status == 0)
    let a = try Data(contentsOf: URL(fileURLWithPath: work + "/a.tar"))
    #expect(a == (try Data(contentsOf: URL(fileURLWithPath: work + "/b.tar"))))
    // A download broken after 700 bytes, resumed by curl -C -.
    _ = try curl(["-r", "0-699", "-o", work + "/part.tar", url])
    let resumed = try curl(["-C", "-", "-o", work + "/part.tar", url])
    #expect(resumed.status == 0, "\(resumed.err)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: work + "/part.tar")) == a)
  }

  @Test func gzippedArchiveStreamsAndReadsBack() throws {
    let r = try curl(["-D", work + "/head", "-o", work + "/site.tar.gz", server.url("/?download=tar.gz")])
    #expect(r.status == 0, "\(r.err)")
    let head = try String(contentsOfFile: work + "/head", encoding: .utf8)
    #expect(head.contains("Content-Type: application/gzip") && !head.contains("Content-Length"))
    #expect(try Command.run("gzip", ["-t", work + "/site.tar.gz"]).status == 0)
    let name = URL(fileURLWithPath: root).lastPathComponent
    let python = try Command.run(
      "python3",
      [
        "-c", "import sys,tarfile; t=tarfile.open(sys.argv[1],'r:gz'); print(len(t.extractfile(sys.argv[2]).read()))",
        work + "/site.tar.gz", "\(name)/big.bin",
      ])
    #expect(python.out == "\(3 * 1024 * 1024)\n", "\(python.err)")
    // The same members as the plain archive.
    _ = try curl(["-o", work + "/site.tar", server.url("/?download=tar")])
    let plain = try Command.run("tar", ["-tf", work + "/site.tar"]).out
    #expect(try Command.run("tar", ["-tzf", work + "/site.tar.gz"]).out == plain)
  }

  @Test func aFileChangingSizeCutsTheArchiveShort() throws {
    let resolver = PathResolver(root: root, allowDotfiles: false)
    let archive = FolderArchive(folder: root + "/docs", name: "docs", resolver: resolver)
    try "now a different length\n".write(toFile: root + "/docs/readme.txt", atomically: false, encoding: .utf8)
    let source = archive.source(resolver: resolver)
    #expect(throws: ArchiveChanged.self) {
      while try source.nextPieces() != nil {}
    }
  }

  @Test func paxRecordsCountTheirOwnLength() {
    for size in [1, 90, 95, 96, 995, 996, 10_000] {
      let record = TarFormat.paxRecord("path", Array(repeating: UInt8(ascii: "a"), count: size))
      let stated = Int(String(decoding: record.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self))
      #expect(stated == record.count)
    }
  }

  @Test func twoGiBSparseFileStreamsInFlatMemory() throws {
    let folder = work + "/sparse"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let fd = open(folder + "/huge.bin", O_CREAT | O_WRONLY, 0o644)
    ftruncate(fd, off_t(2) << 30)
    close(fd)
    let port = try freeLoopbackPort()
    let barenet = try BarenetProcess(["http", folder, "--port", "\(port)", "--quiet"], port: port)
    let before = barenet.residentKiB
    let r = try curl(["-o", "/dev/null", "-w", "%{size_download}", "http://127.0.0.1:\(port)/?download=tar"])
    #expect(r.status == 0, "\(r.err)")
    #expect(Int(r.out) ?? 0 > 2 << 30)
    let after = barenet.residentKiB
    #expect(after - before < 16 * 1024, "RSS \(before) KiB before, \(after) KiB after")
  }
}
