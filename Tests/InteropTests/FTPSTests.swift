import Foundation
import TestSupport
import Testing

/// Explicit FTPS (RFC 4217) judged by its clients: curl, lftp and Python's ftplib, over TLS on
/// the control and the data connections.
@Suite struct FTPSTests {
  let certificates: TestCertificates
  let root: String
  let users: String

  init() throws {
    certificates = try TestCertificates()
    root = certificates.folder + "/root"
    try FileManager.default.copyItem(
      atPath: Fixture.packageRoot.appendingPathComponent("fixtures/site").path, toPath: root)
    // The server runs as nobody (a writable account may not write as root): the folder is open.
    for folder in [certificates.folder, root, root + "/docs"] { chmod(folder, 0o777) }
    users = certificates.folder + "/users.txt"
    let r = try Command.run(
      Command.barenet, ["passwd", "--file", users, "alice", "--write"], input: Data("wonderland\n".utf8))
    #expect(r.status == 0, "\(r.err)")
  }

  /// `barenet ftp` with the test CA's certificate and `extra` options.
  func start(_ extra: [String] = []) throws -> (BarenetProcess, UInt16) {
    let (certificate, key) = try certificates.server()
    let port = try freeLoopbackPort()
    let server = try BarenetProcess(
      [
        "ftp", root, "--port", "\(port)", "--users", users, "--tls-cert", certificate, "--tls-key", key, "--user",
        "nobody",
      ]
        + extra,
      port: port)
    return (server, port)
  }

  var curlTLS: [String] { ["-sS", "--ssl-reqd", "--cacert", certificates.caCertificate] }

  @Test func curlRetrievesStoresListsAndResumes() throws {
    let (server, port) = try start()
    defer { server.stop() }
    let base = "ftp://alice:wonderland@localhost:\(port)"
    #expect(try Command.run("curl", curlTLS + ["\(base)/hello.txt"]).out == "Hello, world!\n")
    #expect(try Command.run("curl", curlTLS + ["-r", "7-", "\(base)/hello.txt"]).out == "world!\n")
    let upload = certificates.folder + "/upload.bin"
    try Data((0..<300_000).map { UInt8($0 & 0xFF) }).write(to: URL(fileURLWithPath: upload))
    let put = try Command.run("curl", curlTLS + ["-T", upload, "\(base)/uploaded.bin"])
    #expect(put.status == 0, "\(put.err)")
    #expect(FileManager.default.contentsEqual(atPath: upload, andPath: root + "/uploaded.bin"))
    let list = try Command.run("curl", curlTLS + ["\(base)/"])
    #expect(list.out.contains("uploaded.bin") && list.out.contains("hello.txt"))
    // ASCII mode under TLS too.
    let ascii = try Command.run("curl", curlTLS + ["--use-ascii", "\(base)/hello.txt"])
    #expect(ascii.out == "Hello, world!\n")
    // The log says each transfer was protected.
    #expect(server.waitForLog(containing: "\"RETR /hello.txt\" 226").contains(" TLS"), "\(server.log)")
  }

  @Test func lftpGetsPutsAndMirrors() throws {
    let (server, port) = try start()
    defer { server.stop() }
    let work = certificates.folder + "/lftp"
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    try "from lftp\n".write(toFile: work + "/put.txt", atomically: true, encoding: .utf8)
    let script = """
      set ftp:ssl-force true; set ftp:ssl-protect-data true; set ssl:ca-file \(certificates.caCertificate);
      set net:max-retries 1; set net:timeout 10;
      open -u alice,wonderland ftp://localhost:\(port);
      get hello.txt -o \(work)/got.txt; put \(work)/put.txt -o put.txt; mirror docs \(work)/mirrored; quit
      """
    let r = try Command.run("lftp", ["-c", script], timeout: 60)
    #expect(r.status == 0, "\(r.out)\(r.err)")
    #expect(try String(contentsOfFile: work + "/got.txt", encoding: .utf8) == "Hello, world!\n")
    #expect(try String(contentsOfFile: root + "/put.txt", encoding: .utf8) == "from lftp\n")
    let mirrored = try FileManager.default.contentsOfDirectory(atPath: work + "/mirrored")
    let original = try FileManager.default.contentsOfDirectory(atPath: root + "/docs")
    #expect(Set(mirrored) == Set(original))
  }

  static let ftplibScript = """
    import ftplib, io, ssl, sys
    port, ca = int(sys.argv[1]), sys.argv[2]
    context = ssl.create_default_context(cafile=ca)
    f = ftplib.FTP_TLS(context=context)
    f.connect("localhost", port, timeout=15)
    f.login("alice", "wonderland")
    f.prot_p()
    got = io.BytesIO()
    f.retrbinary("RETR hello.txt", got.write)
    f.storbinary("STOR from-ftplib.txt", io.BytesIO(b"stored over TLS\\n"))
    listed = "from-ftplib.txt" in f.nlst()
    f.set_pasv(False)  # active mode (EPRT): barenet connects, and is still the TLS server
    active = io.BytesIO()
    f.retrbinary("RETR hello.txt", active.write)
    print(got.getvalue() == b"Hello, world!\\n", listed, f.sock.version(), active.getvalue() == got.getvalue())
    f.quit()
    """

  @Test func ftplibWithProtP() throws {
    let (server, port) = try start()
    defer { server.stop() }
    let r = try Command.run("/usr/bin/python3", ["-c", Self.ftplibScript, "\(port)", certificates.caCertificate])
    #expect(r.out.hasPrefix("True True TLSv1.3 True"), "\(r.out)\(r.err)")
    #expect(try String(contentsOfFile: root + "/from-ftplib.txt", encoding: .utf8) == "stored over TLS\n")
  }

  @Test func aborUnderTLS() throws {
    try Data(count: 20 << 20).write(to: URL(fileURLWithPath: root + "/big.bin"))
    let (server, port) = try start()
    defer { server.stop() }
    let script = """
      import ftplib, ssl, sys
      port, ca = int(sys.argv[1]), sys.argv[2]
      f = ftplib.FTP_TLS(context=ssl.create_default_context(cafile=ca))
      f.connect("localhost", port, timeout=15)
      f.login("alice", "wonderland"); f.prot_p()
      data = f.transfercmd("RETR big.bin")
      first = data.recv(65536)
      print("abort:", f.abort())
      data.close()
      print(f.voidcmd("NOOP"), len(first) > 0)
      f.quit()
      """
    let r = try Command.run("/usr/bin/python3", ["-c", script, "\(port)", certificates.caCertificate], timeout: 60)
    // RFC 959 §4.1.3: 426 for the transfer cut, then 226 for ABOR itself (which ftplib's abort()
    // leaves for the next command to read).
    #expect(r.out.contains("abort: 426"), "\(r.out)\(r.err)")
    #expect(r.out.contains("226 ABOR successful. True"), "\(r.out)\(r.err)")
  }

  @Test func tlsRequiredRefusesAClearLoginAndAcceptsTheSameOverTLS() throws {
    let (server, port) = try start(["--tls-required"])
    defer { server.stop() }
    let script = """
      import ftplib, ssl, sys
      port, ca = int(sys.argv[1]), sys.argv[2]
      clear = ftplib.FTP()
      clear.connect("127.0.0.1", port, timeout=10)
      try:
          clear.login("alice", "wonderland"); print("clear login accepted")
      except ftplib.error_perm as e:
          print("clear:", e)
      clear.close()
      anonymous = ftplib.FTP(); anonymous.connect("127.0.0.1", port, timeout=10); print(anonymous.login()); anonymous.close()
      secure = ftplib.FTP_TLS(context=ssl.create_default_context(cafile=ca))
      secure.connect("localhost", port, timeout=10)
      print(secure.login("alice", "wonderland"))
      secure.quit()
      """
    let r = try Command.run("/usr/bin/python3", ["-c", script, "\(port)", certificates.caCertificate])
    #expect(r.out.contains("clear: 530"), "\(r.out)\(r.err)")
    #expect(r.out.contains("230 Login successful (anonymous"), "\(r.out)")
    #expect(r.out.contains("230 Login successful."), "\(r.out)")
  }

  @Test func aPlainDataConnectionAfterProtPIsRefused() throws {
    let (server, port) = try start()
    defer { server.stop() }
    let script = """
      import ftplib, ssl, sys
      port, ca = int(sys.argv[1]), sys.argv[2]
      f = ftplib.FTP_TLS(context=ssl.create_default_context(cafile=ca))
      f.connect("localhost", port, timeout=30)
      f.login("alice", "wonderland")
      f.prot_p()
      f._prot_p = False  # the data connection stays plain although PROT P was sent
      got = []
      try:
          f.retrbinary("RETR hello.txt", got.append); print("plain data accepted", got)
      except (ftplib.error_temp, ftplib.error_perm, EOFError, OSError) as e:
          print("refused:", e, b"".join(got))
      """
    let r = try Command.run(
      "/usr/bin/python3", ["-c", script, "\(port)", certificates.caCertificate], timeout: 60)
    #expect(r.out.hasPrefix("refused:"), "\(r.out)\(r.err)")
    #expect(!r.out.contains("Hello"))
  }

  @Test func dataReuseLetsCurlInAndKeepsFtplibOut() throws {
    let (server, port) = try start(["--tls-data-reuse"])
    defer { server.stop() }
    // curl resumes the control connection's session on the data connection; ftplib does not,
    // which is why this is an option and not the default.
    let curl = try Command.run("curl", curlTLS + ["ftp://alice:wonderland@localhost:\(port)/hello.txt"])
    #expect(curl.out == "Hello, world!\n", "\(curl.err)")
    let python = try Command.run(
      "/usr/bin/python3", ["-c", Self.ftplibScript, "\(port)", certificates.caCertificate], timeout: 60)
    #expect(python.status != 0 && !python.out.hasPrefix("True"), "\(python.out)\(python.err)")
    #expect(server.waitForLog(containing: "\"RETR /hello.txt\" 42").contains("TLS"), "\(server.log)")
  }
}
