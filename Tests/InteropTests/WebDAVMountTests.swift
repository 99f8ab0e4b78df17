import Foundation
import HTTP
import TestSupport
import Testing

/// WebDAV judged by the clients people mount folders with: litmus (every suite), davfs2 with
/// locks, rclone mount, cadaver. Mounts need root and FUSE, which the tests have (scripts/test).
@Suite(.serialized) final class WebDAVMountTests {
  let root: String
  let work: String

  init() throws {
    root = try Fixture.scratch("dav-root")
    work = try Fixture.scratch("dav-work")
    try "hello\n".write(toFile: root + "/a.txt", atomically: true, encoding: .utf8)
    try FileManager.default.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
  }

  deinit {
    Fixture.remove(root)
    Fixture.remove(work)
  }

  /// barenet with uploads, folders and replacing on, as a process of its own (its access log
  /// shows what a client asked).
  func serve() throws -> (BarenetProcess, UInt16) {
    let port = try freeLoopbackPort()
    let server = try BarenetProcess(
      ["http", root, "--port", "\(port)", "--upload", "--mkdir", "--overwrite"], port: port)
    return (server, port)
  }

  /// Runs a command that mounts or unmounts, with the signal mask cleared and its output in a
  /// file. The test runner blocks SIGTERM and children inherit the mask, yet davfs2's umount
  /// stops its daemon with SIGTERM; and a daemon holding our pipes would keep them open long
  /// after the command itself has ended (so every descriptor but the output file is closed).
  func mounting(_ program: String, _ arguments: [String]) throws -> (status: Int32, err: String) {
    let output = work + "/\(program).out"
    let wrapper = """
      import os, signal, sys
      signal.pthread_sigmask(signal.SIG_SETMASK, set())
      fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
      os.dup2(fd, 0); os.dup2(fd, 1); os.dup2(fd, 2)
      os.closerange(3, 4096)
      os.execvp(sys.argv[2], sys.argv[2:])
      """
    let run = try Command.run("python3", ["-c", wrapper, output, try Command.which(program)] + arguments, timeout: 60)
    return (run.status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
  }

  @Test func litmusPassesEverySuiteWithNothingSkipped() throws {
    let (server, port) = try serve()
    defer { server.stop() }
    try FileManager.default.removeItem(atPath: root + "/a.txt")
    try FileManager.default.removeItem(atPath: root + "/sub")
    let run = try Command.run(
      "litmus", ["http://127.0.0.1:\(port)/"], timeout: 240, directory: work,
      environment: ["TESTS": "basic copymove props locks http", "PATH": "/usr/bin:/bin"])
    let expected = [("basic", 16), ("copymove", 13), ("props", 30), ("locks", 41), ("http", 4)]
    for (suite, count) in expected {
      #expect(
        run.out.contains("summary for `\(suite)': of \(count) tests run: \(count) passed, 0 failed. 100.0%"),
        "\(run.out)")
    }
    #expect(!run.out.contains("skipped") && !run.out.contains("WARNING"), "\(run.out)")
  }

  @Test func davfs2MountsWithLocksAndWritesByPath() throws {
    let (server, port) = try serve()
    defer { server.stop() }
    let mountPoint = work + "/mnt"
    try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
    let conf = work + "/davfs2.conf"
    try "use_locks 1\nask_auth 0\ndelay_upload 0\n".write(toFile: conf, atomically: true, encoding: .utf8)
    let mount = try mounting(
      "mount", ["-t", "davfs", "http://127.0.0.1:\(port)/", mountPoint, "-o", "conf=\(conf),uid=0"])
    #expect(mount.status == 0, "\(mount.err)")
    guard mount.status == 0 else { return }
    // By path only: listing through davfs2 fails on this machine's FUSE with every server.
    let script = """
      set -e
      cat \(mountPoint)/a.txt
      echo written > \(mountPoint)/b.txt
      mkdir \(mountPoint)/made
      mv \(mountPoint)/a.txt \(mountPoint)/made/a2.txt
      echo inner > \(mountPoint)/made/c.txt
      """
    let work = try Command.run("sh", ["-c", script], timeout: 60)
    let unmount = try mounting("umount", [mountPoint])
    #expect(work.status == 0, "\(work.err)")
    #expect(work.out == "hello\n")
    #expect(unmount.status == 0, "\(unmount.err)")
    #expect(try String(contentsOfFile: root + "/b.txt", encoding: .utf8) == "written\n")
    #expect(try String(contentsOfFile: root + "/made/a2.txt", encoding: .utf8) == "hello\n")
    #expect(try String(contentsOfFile: root + "/made/c.txt", encoding: .utf8) == "inner\n")
    #expect(!FileManager.default.fileExists(atPath: root + "/a.txt"))
    // The locks davfs2 took were granted and given back.
    let log = server.log
    #expect(log.contains("\"LOCK /b.txt HTTP/1.1\" 201"), "\(log)")
    #expect(log.contains("\"UNLOCK /b.txt HTTP/1.1\" 204"), "\(log)")
    #expect(!log.contains("\" 423 "), "\(log)")
  }

  @Test func rcloneMountListsReadsWritesRenamesAndMakesFolders() throws {
    let (server, port) = try serve()
    defer { server.stop() }
    let mountPoint = work + "/rclone"
    try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
    let mount = try mounting(
      "rclone",
      [
        "mount", ":webdav:", mountPoint, "--webdav-url", "http://127.0.0.1:\(port)/", "--config", "/dev/null",
        "--vfs-cache-mode", "writes", "--vfs-write-back", "0s", "--daemon", "--daemon-timeout", "20s", "-q",
      ])
    #expect(mount.status == 0, "\(mount.err)")
    guard mount.status == 0 else { return }
    defer { _ = try? mounting("fusermount3", ["-u", mountPoint]) }
    let names = try FileManager.default.contentsOfDirectory(atPath: mountPoint).sorted()
    #expect(names == ["a.txt", "sub"])
    #expect(try String(contentsOfFile: mountPoint + "/a.txt", encoding: .utf8) == "hello\n")
    try "through rclone\n".write(toFile: mountPoint + "/new.txt", atomically: false, encoding: .utf8)
    try FileManager.default.createDirectory(atPath: mountPoint + "/made", withIntermediateDirectories: false)
    func waitFor(_ path: String) {
      let deadline = Date().addingTimeInterval(15)
      while !FileManager.default.fileExists(atPath: path) && Date() < deadline { usleep(100_000) }
    }
    // rclone uploads in the background; a rename while its upload runs stays in its cache.
    waitFor(root + "/new.txt")
    try FileManager.default.moveItem(atPath: mountPoint + "/new.txt", toPath: mountPoint + "/made/renamed.txt")
    waitFor(root + "/made/renamed.txt")
    #expect(
      (try? String(contentsOfFile: root + "/made/renamed.txt", encoding: .utf8)) == "through rclone\n", "\(server.log)")
    #expect(!FileManager.default.fileExists(atPath: root + "/new.txt"))
  }

  @Test func cadaverLocksPutsUnlocksAndKeepsProperties() throws {
    let (server, port) = try serve()
    defer { server.stop() }
    let script = work + "/cadaver.rc"
    try "lock a.txt\nput \(work)/up.txt a.txt\nunlock a.txt\npropset a.txt color blue\npropget a.txt color\nquit\n"
      .write(toFile: script, atomically: true, encoding: .utf8)
    try "from cadaver\n".write(toFile: work + "/up.txt", atomically: true, encoding: .utf8)
    let run = try Command.run("cadaver", ["-r", script, "http://127.0.0.1:\(port)/"], timeout: 60, directory: work)
    #expect(run.out.contains("Locking `a.txt': succeeded."), "\(run.out)")
    #expect(run.out.contains("Unlocking `a.txt': succeeded."), "\(run.out)")
    #expect(run.out.contains("Value of color is: blue"), "\(run.out)")
    #expect(try String(contentsOfFile: root + "/a.txt", encoding: .utf8) == "from cadaver\n")
  }
}
