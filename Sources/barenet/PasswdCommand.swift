import ArgumentParser
import FTP

#if canImport(Glibc)
  import Glibc
#endif

/// `barenet passwd`: adds or updates an account in a users file.
struct PasswdCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "passwd",
    abstract: "Add or update an account in a users file (password read from standard input).",
    discussion: """
      The password is the first line of standard input, so it never shows in the process \
      list or shell history:  echo 'secret' | barenet passwd --file users.txt alice --write
      The file keeps a salted yescrypt hash (libxcrypt, as /etc/shadow), never the password.
      """
  )

  @Option(help: "The users file (created if missing, mode 0600).")
  var file: String

  @Argument(help: "The account name.")
  var name: String

  @Flag(help: "Allow this account to upload, delete, rename and make folders.")
  var write = false

  func validate() throws {
    guard UsersFile.isValidName(name) else {
      throw ValidationError("'\(name)' is not a valid name: 1–32 letters, digits, '.', '_', '-' (not anonymous/ftp)")
    }
  }

  func run() throws {
    var users = UsersFile()
    if access(file, F_OK) == 0 {
      users = try loadUsers(file)
    }
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
      throw CLIError("no password on standard input")
    }
    guard let hash = PasswordHash.make(line) else { throw CLIError("could not hash the password") }
    let existed = users.account(named: name) != nil
    users.set(Account(name: name, hash: hash, canWrite: write))
    try save(users.text)
    printError("barenet: \(existed ? "updated" : "added") \(name) (\(write ? "read-write" : "read-only")) in \(file)")
  }

  /// Writes the file atomically (temporary file + rename), readable by its owner only.
  private func save(_ text: String) throws {
    let temporary = file + ".tmp-\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw CLIError("cannot write '\(file)': \(String(cString: strerror(errno)))") }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    close(fd)
    guard written == bytes.count, rename(temporary, file) == 0 else {
      unlink(temporary)
      throw CLIError("cannot write '\(file)'")
    }
  }
}
