import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// A folder as a tar archive (`GET /dir/?download=tar`): planned up front — every member's
/// name, size and time, so the length is known and a Range can be served — then sent member
/// by member as the connection drains, one open file at a time, in constant memory.
///
/// The members are what the listing shows: dotfiles only with `--dotfiles`, symlinks only when
/// they resolve inside the root, folders first and then names in order, so the same folder
/// gives the same bytes every time.
public struct FolderArchive: Sendable {
  struct Item: Sendable {
    var member: TarFormat.Member
    /// Where the file is on disk (nil for folders).
    var source: String?
    /// Where the member starts in the archive.
    var offset: Int
    var length: Int
  }

  let items: [Item]
  /// The archive's length in bytes.
  public let length: Int

  /// Plans the archive of the folder at `real` (a real path inside the root), its members
  /// named under `name/`.
  public init(folder real: String, name: String, resolver: PathResolver) {
    var items: [Item] = []
    var offset = 0
    var visited: Set<String> = []
    func walk(_ folder: String, _ prefix: String, modified: Int) {
      guard let resolved = try? resolver.contained(folder), visited.insert(resolved).inserted else { return }
      let member = TarFormat.Member(path: prefix, isDirectory: true, size: 0, modified: modified)
      let length = TarFormat.length(of: member)
      items.append(Item(member: member, source: nil, offset: offset, length: length))
      offset += length
      for entry in DirectoryListing.entries(at: folder, in: ServedFolder(jail: resolver)) ?? [] {
        let path = folder + "/" + entry.name
        if entry.isDirectory {
          walk(path, prefix + entry.name + "/", modified: entry.modified)
        } else {
          let member = TarFormat.Member(
            path: prefix + entry.name, isDirectory: false, size: entry.size, modified: entry.modified)
          let length = TarFormat.length(of: member)
          items.append(Item(member: member, source: path, offset: offset, length: length))
          offset += length
        }
      }
    }
    var info = stat()
    let modified = stat(real, &info) == 0 ? Int(info.st_mtim.tv_sec) : 0
    walk(real, name + "/", modified: modified)
    self.items = items
    length = offset + TarFormat.end.count
  }

  /// A digest of every member's path, size and time (FNV-1a, 64 bits): the archive's ETag,
  /// the same for the same folder across restarts.
  public var fingerprint: String {
    var digest = FNV1a()
    for item in items { digest.add("\(item.member.path)|\(item.member.size)|\(item.member.modified)\n") }
    return digest.hex
  }

  /// `attachment` with the file name: plain ASCII in `filename`, and the exact UTF-8 name in
  /// `filename*` (RFC 6266, RFC 8187) when it has other characters.
  public static func contentDisposition(_ filename: String) -> String {
    let ascii = String(
      filename.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 ? Character($0) : "_" })
    if ascii == filename { return "attachment; filename=\"\(ascii)\"" }
    return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(PercentEncoding.encodeSegment(filename))"
  }

  /// The bytes `range` of the archive (all of it for nil), produced as the connection asks.
  public func source(range: ClosedRange<Int>? = nil, resolver: PathResolver) -> OutputSource {
    ArchiveSource(archive: self, range: range ?? 0...(length - 1), resolver: resolver)
  }
}

/// Why an archive was cut short.
struct ArchiveChanged: Error, CustomStringConvertible {
  let description: String
}

/// Sends a byte range of a `FolderArchive`, one member per request for pieces.
final class ArchiveSource: OutputSource {
  private let archive: FolderArchive
  private let resolver: PathResolver
  private let last: Int
  /// The next archive offset to produce.
  private var position: Int
  private var index: Int
  /// Where a cut-short archive is reported (the client only sees a short body).
  private let warnings = LineLog(sink: .standardError)

  init(archive: FolderArchive, range: ClosedRange<Int>, resolver: PathResolver) {
    self.archive = archive
    self.resolver = resolver
    position = range.lowerBound
    last = range.upperBound
    // The first member that ends after the range starts.
    index = archive.items.firstIndex { $0.offset + $0.length > range.lowerBound } ?? archive.items.count
  }

  func nextPieces() throws -> [OutputPiece]? {
    do {
      return try produce()
    } catch {
      warnings.append("barenet: archive cut short: \(error)")
      warnings.flush()
      throw error
    }
  }

  private func produce() throws -> [OutputPiece]? {
    guard position <= last else { return nil }
    guard index < archive.items.count else {
      // The end-of-archive blocks.
      let start = position - (archive.length - TarFormat.end.count)
      let count = last - position + 1
      position = last + 1
      return [.bytes(Array(TarFormat.end[start..<(start + count)]))]
    }
    let item = archive.items[index]
    index += 1
    var pieces: [OutputPiece] = []
    let header = TarFormat.header(for: item.member)
    let dataSize = item.member.isDirectory ? 0 : item.member.size
    // The member's three parts, each [start, end) in archive offsets.
    let headerRange = item.offset..<(item.offset + header.count)
    let dataRange = headerRange.upperBound..<(headerRange.upperBound + dataSize)
    let padRange = dataRange.upperBound..<(item.offset + item.length)
    let wanted = position..<(last + 1)
    if let part = overlap(headerRange, wanted) {
      pieces.append(.bytes(Array(header[(part.lowerBound - item.offset)..<(part.upperBound - item.offset)])))
    }
    if let part = overlap(dataRange, wanted), let path = item.source {
      let opened: (file: OpenFile, real: String)
      do {
        opened = try resolver.open(path)
      } catch {
        throw ArchiveChanged(description: "\(item.member.path) disappeared while the folder was archived")
      }
      guard let info = opened.file.status(), Int(info.st_size) == item.member.size else {
        throw ArchiveChanged(description: "\(item.member.path) changed size while the folder was archived")
      }
      pieces.append(.file(opened.file, offset: part.lowerBound - dataRange.lowerBound, length: part.count))
    }
    if let part = overlap(padRange, wanted) {
      pieces.append(.bytes(TarFormat.zeros(part.count)))
    }
    position = min(item.offset + item.length, last + 1)
    return pieces
  }

  private func overlap(_ a: Range<Int>, _ b: Range<Int>) -> Range<Int>? {
    let lower = max(a.lowerBound, b.lowerBound)
    let upper = min(a.upperBound, b.upperBound)
    return lower < upper ? lower..<upper : nil
  }
}
