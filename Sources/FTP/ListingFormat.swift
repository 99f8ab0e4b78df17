import ServerCore

#if canImport(Glibc)
  import Glibc
#endif

/// A file or folder as the listings describe it, taken from `stat`.
public struct FileFacts: Sendable, Equatable {
  public var name: String
  public var isDirectory: Bool
  public var size: Int
  public var modified: Int
  public var mode: UInt32
  public var links: Int
  /// Device and inode, for MLSx's `unique` fact.
  public var unique: String

  public init(name: String, info: stat) {
    self.name = name
    isDirectory = info.st_mode & S_IFMT == S_IFDIR
    size = Int(info.st_size)
    modified = Int(info.st_mtim.tv_sec)
    mode = UInt32(info.st_mode)
    links = Int(info.st_nlink)
    unique = String(UInt64(info.st_dev), radix: 16) + "U" + String(UInt64(info.st_ino), radix: 16)
  }
}

/// The three listing formats: `ls -l` lines for LIST, bare names for NLST, and machine-readable
/// facts for MLSD/MLST (RFC 3659 §7).
public enum ListingFormat {
  /// `-rw-r--r--    1 ftp      ftp            14 Nov 25 08:20 hello.txt`, the layout curl,
  /// lftp and tnftp parse. Dates within six months show the time, older ones the year.
  public static func lsLine(_ f: FileFacts, now: Int) -> String {
    let t = UTC(f.modified)
    let recent = abs(now - f.modified) < 180 * 24 * 3600
    let when =
      "\(t.monthName) \(t.day < 10 ? " " : "")\(t.day) "
      + (recent ? "\(UTC.two(t.hour)):\(UTC.two(t.minute))" : " \(t.year)")
    let links = String(f.links)
    let size = String(f.size)
    return permissions(f) + " " + String(repeating: " ", count: max(0, 4 - links.count)) + links
      + " ftp      ftp      " + String(repeating: " ", count: max(0, 8 - size.count)) + size + " " + when + " " + f.name
  }

  /// "drwxr-xr-x" from the mode bits.
  static func permissions(_ f: FileFacts) -> String {
    var s = f.isDirectory ? "d" : "-"
    let bits: [(UInt32, Character)] = [
      (0o400, "r"), (0o200, "w"), (0o100, "x"), (0o040, "r"), (0o020, "w"), (0o010, "x"), (0o004, "r"),
      (0o002, "w"), (0o001, "x"),
    ]
    for (bit, c) in bits { s.append(f.mode & bit != 0 ? c : "-") }
    return s
  }

  /// `type=file;size=14;modify=20261125082000;perm=r;unique=803U1a2b; hello.txt`
  /// (MLST sends it with a leading space over the control connection).
  public static func facts(_ f: FileFacts, canWrite: Bool) -> String {
    let perm: String
    if f.isDirectory {
      perm = canWrite ? "elcmpdf" : "el"
    } else {
      perm = canWrite ? "rwadf" : "r"
    }
    var text = "type=\(f.isDirectory ? "dir" : "file");"
    if !f.isDirectory { text += "size=\(f.size);" }
    text += "modify=\(timestamp(f.modified));perm=\(perm);unique=\(f.unique);"
    text += "UNIX.mode=0\(String(f.mode & 0o7777, radix: 8)); \(f.name)"
    return text
  }

  /// RFC 3659's time-val, as MDTM and the modify fact use it: "20261125082000" (UTC).
  public static func timestamp(_ seconds: Int) -> String {
    let t = UTC(seconds)
    return "\(t.year)" + [t.month, t.day, t.hour, t.minute, t.second].map(UTC.two).joined()
  }
}
