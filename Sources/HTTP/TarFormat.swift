/// The POSIX tar format (ustar, with pax extended headers for long names), as bytes.
///
/// An archive is a sequence of 512-byte blocks: for each member a header block, then its data
/// padded to a whole block; two zero blocks end it. Every field is fixed, so the archive's
/// length is known before a byte is sent — which is what lets barenet send a Content-Length
/// and answer Range requests for a folder download.
public enum TarFormat {
  public static let block = 512

  /// What a header describes.
  public struct Member: Equatable, Sendable {
    /// The path inside the archive, "/"-separated; a folder's ends with "/".
    public var path: String
    public var isDirectory: Bool
    public var size: Int
    /// Seconds since the epoch.
    public var modified: Int

    public init(path: String, isDirectory: Bool, size: Int, modified: Int) {
      self.path = path
      self.isDirectory = isDirectory
      self.size = size
      self.modified = modified
    }
  }

  /// The header block(s) of `member`: a pax extended header first when the path does not fit
  /// ustar's 100-byte name field, or the size its 11 octal digits (8 GiB and more).
  public static func header(for member: Member) -> [UInt8] {
    let path = Array(member.path.utf8)
    var records: [UInt8] = []
    if path.count > 100 { records += paxRecord("path", path) }
    if member.size >= 0o77777777777 { records += paxRecord("size", Array(String(member.size).utf8)) }
    var out: [UInt8] = []
    if !records.isEmpty {
      let name = Array("PaxHeaders/\(path.count)".utf8)
      out += block(name: name, mode: 0o644, size: records.count, modified: member.modified, type: UInt8(ascii: "x"))
      out += records + zeros(padding(records.count))
    }
    let shortName = path.count > 100 ? Array(path.suffix(100)) : path
    out += block(
      name: shortName, mode: member.isDirectory ? 0o755 : 0o644,
      size: member.isDirectory || member.size >= 0o77777777777 ? 0 : member.size, modified: member.modified,
      type: UInt8(ascii: member.isDirectory ? "5" : "0"))
    return out
  }

  /// Zero bytes after `size` bytes of data, up to the next block.
  public static func padding(_ size: Int) -> Int {
    (block - size % block) % block
  }

  /// The two zero blocks that end an archive.
  public static let end = [UInt8](repeating: 0, count: 2 * block)

  /// How many bytes `member` takes in the archive: header(s), data and padding.
  public static func length(of member: Member) -> Int {
    let data = member.isDirectory ? 0 : member.size
    return header(for: member).count + data + padding(data)
  }

  static func zeros(_ count: Int) -> [UInt8] {
    [UInt8](repeating: 0, count: count)
  }

  /// One pax record, "LENGTH KEY=VALUE\n", where LENGTH counts the whole record, itself included.
  static func paxRecord(_ key: String, _ value: [UInt8]) -> [UInt8] {
    let body = Array(" \(key)=".utf8) + value + [0x0A]
    var length = body.count + 1
    while String(length).utf8.count + body.count != length { length += 1 }
    return Array(String(length).utf8) + body
  }

  /// A 512-byte ustar header block. Owner and group are 0 with empty names: archives of the
  /// same folder are the same bytes whoever serves them.
  static func block(name: [UInt8], mode: Int, size: Int, modified: Int, type: UInt8) -> [UInt8] {
    var header = zeros(block)
    func put(_ bytes: [UInt8], at offset: Int) {
      for (i, b) in bytes.enumerated() { header[offset + i] = b }
    }
    func octal(_ value: Int, width: Int) -> [UInt8] {
      let digits = String(value, radix: 8)
      return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
    }
    put(name, at: 0)
    put(octal(mode, width: 8), at: 100)
    put(octal(0, width: 8), at: 108)  // uid
    put(octal(0, width: 8), at: 116)  // gid
    put(octal(size, width: 12), at: 124)
    put(octal(max(0, modified), width: 12), at: 136)
    put(Array(repeating: UInt8(ascii: " "), count: 8), at: 148)  // checksum counts as spaces
    header[156] = type
    put(Array("ustar".utf8) + [0], at: 257)
    put(Array("00".utf8), at: 263)
    let sum = header.reduce(0) { $0 + Int($1) }
    put(octal(sum, width: 7) + [UInt8(ascii: " ")], at: 148)
    return header
  }
}
