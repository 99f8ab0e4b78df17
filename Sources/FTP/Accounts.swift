import CCrypt

#if canImport(Glibc)
  import Glibc
#endif

/// Who may log in and what they may do.
public struct Account: Equatable, Sendable {
  public var name: String
  /// A crypt(3) hash string ("$y$..."), never the password.
  public var hash: String
  /// Whether this account may store, delete, rename and make folders.
  public var canWrite: Bool

  public init(name: String, hash: String, canWrite: Bool) {
    self.name = name
    self.hash = hash
    self.canWrite = canWrite
  }

  /// The anonymous account (`anonymous` or `ftp`, any password), read-only.
  public static let anonymous = Account(name: "anonymous", hash: "", canWrite: false)
  public var isAnonymous: Bool { hash.isEmpty }
}

/// Password hashing with libxcrypt, the implementation behind /etc/shadow: yescrypt with a
/// salt from the system's random source. Verification compares in constant time.
public enum PasswordHash {
  /// A new salted hash of `password`.
  public static func make(_ password: String) -> String? {
    var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
    guard crypt_gensalt_rn("$y$", 0, nil, 0, &setting, Int32(setting.count)) != nil else { return nil }
    return hash(password, setting: setting)
  }

  /// Whether `password` matches `hash`.
  public static func verify(_ password: String, against hash: String) -> Bool {
    guard hash.hasPrefix("$"), let computed = self.hash(password, setting: Array(hash.utf8CString)) else {
      return false
    }
    let a = Array(computed.utf8)
    let b = Array(hash.utf8)
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for i in 0..<a.count { difference |= a[i] ^ b[i] }
    return difference == 0
  }

  private static func hash(_ password: String, setting: [CChar]) -> String? {
    let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
    defer { data.deallocate() }
    memset(data, 0, MemoryLayout<crypt_data>.size)
    guard let result = crypt_r(password, setting, data) else { return nil }
    let text = String(cString: result)
    return text.hasPrefix("*") ? nil : text  // "*0"/"*1" mark failure in libxcrypt
  }
}

/// The users file: one account a line, `name:hash:read` or `name:hash:write`; `#` comments.
public struct UsersFile: Equatable, Sendable {
  public var accounts: [Account]

  public struct ParseError: Error, CustomStringConvertible {
    public let line: Int
    public let reason: String
    public var description: String { "line \(line): \(reason)" }
  }

  public init(accounts: [Account] = []) {
    self.accounts = accounts
  }

  /// Parses the file's text; the first bad line is reported with its number.
  public init(text: String) throws(ParseError) {
    accounts = []
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.trimmingCharacters(in: " \t\r")
      if line.isEmpty || line.hasPrefix("#") { continue }
      let fields = line.split(separator: ":", omittingEmptySubsequences: false)
      guard fields.count == 3 else { throw ParseError(line: index + 1, reason: "expected name:hash:read|write") }
      let name = String(fields[0])
      guard Self.isValidName(name) else { throw ParseError(line: index + 1, reason: "invalid user name '\(name)'") }
      guard fields[1].hasPrefix("$") else {
        throw ParseError(line: index + 1, reason: "the hash is not a crypt(3) hash")
      }
      let canWrite: Bool
      switch fields[2] {
      case "read": canWrite = false
      case "write": canWrite = true
      default: throw ParseError(line: index + 1, reason: "permission must be 'read' or 'write'")
      }
      if accounts.contains(where: { $0.name == name }) {
        throw ParseError(line: index + 1, reason: "user '\(name)' appears twice")
      }
      accounts.append(Account(name: name, hash: String(fields[1]), canWrite: canWrite))
    }
  }

  /// The file's text.
  public var text: String {
    accounts.map { "\($0.name):\($0.hash):\($0.canWrite ? "write" : "read")\n" }.joined()
  }

  /// The account called `name`.
  public func account(named name: String) -> Account? {
    accounts.first { $0.name == name }
  }

  /// Adds or replaces an account.
  public mutating func set(_ account: Account) {
    if let i = accounts.firstIndex(where: { $0.name == account.name }) {
      accounts[i] = account
    } else {
      accounts.append(account)
    }
  }

  /// Names are 1–32 characters of letters, digits, '.', '_' and '-' (never "anonymous"/"ftp").
  public static func isValidName(_ name: String) -> Bool {
    (1...32).contains(name.count) && name != "anonymous" && name != "ftp"
      && name.unicodeScalars.allSatisfy {
        $0.isASCII && (isalnum(Int32($0.value)) != 0 || "._-".unicodeScalars.contains($0))
      }
  }
}

extension Substring {
  func trimmingCharacters(in set: String) -> String {
    var s = self
    while let f = s.first, set.contains(f) { s.removeFirst() }
    while let l = s.last, set.contains(l) { s.removeLast() }
    return String(s)
  }
}
