import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// The session's commands on files and folders: listings, file facts, transfers, and the
/// changes an account marked `write` may make. Kept apart from `FTPSession`'s login, settings
/// and data-connection handling so each file reads as one concern.
extension FTPSession {
  // MARK: Listings

  func listing(_ verb: String, _ argument: String) -> [FTPAction] {
    // Clients send ls flags ("-a", "-la"): skip them, the rest is the path.
    var words = argument.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    while let first = words.first, first.hasPrefix("-"), verb != "MLSD" { words.removeFirst() }
    let pathArgument = words.joined(separator: " ")
    let segments: [String]
    do {
      segments = try files.resolve(pathArgument)
    } catch {
      return reply(550, "No such file or directory.")
    }
    guard let opened = try? files.open(segments) else { return reply(550, "No such file or directory.") }
    let isFolder = opened.info.st_mode & S_IFMT == S_IFDIR
    let lines: [String]
    if verb == "MLSD" {
      guard isFolder, let entries = files.entries(ofFolder: opened.real) else {
        return reply(501, "MLSD needs a folder.")
      }
      lines = entries.map { facts($0) }
    } else if verb == "NLST" {
      if isFolder {
        let prefix = pathArgument.isEmpty ? "" : (pathArgument.hasSuffix("/") ? pathArgument : pathArgument + "/")
        lines = (files.entries(ofFolder: opened.real) ?? []).map { prefix + $0.name }
      } else {
        lines = [pathArgument]
      }
    } else {
      guard let ls = lsLines(segments) else { return reply(550, "No such file or directory.") }
      lines = ls
    }
    let bytes = Array(lines.map { $0 + "\r\n" }.joined().utf8)
    return begin(
      .bytes(bytes), ascii: false, opening: FTPReply(150, "Here comes the directory listing."),
      summary: "\(verb) \(VirtualFileSystem.display(segments))")
  }

  /// `ls -l` lines for a folder's entries, or for one file.
  func lsLines(_ segments: [String]) -> [String]? {
    guard let opened = try? files.open(segments) else { return nil }
    let now = Int(time(nil))
    if opened.info.st_mode & S_IFMT == S_IFDIR {
      return files.entries(ofFolder: opened.real)?.map { ListingFormat.lsLine($0, now: now) }
    }
    return [ListingFormat.lsLine(FileFacts(name: segments.last ?? "/", info: opened.info), now: now)]
  }

  func facts(_ f: FileFacts) -> String {
    let all = ListingFormat.facts(f, canWrite: account?.canWrite ?? false)
    guard mlstFacts.count < 6 else { return all }
    let (factsPart, name) = (all.prefix { $0 != " " }, all.drop { $0 != " " })
    let kept = factsPart.split(separator: ";").filter { fact in
      mlstFacts.contains(String(fact.prefix { $0 != "=" }).lowercased())
    }
    return kept.map { $0 + ";" }.joined() + name
  }

  func mlst(_ argument: String) -> [FTPAction] {
    guard let segments = try? files.resolve(argument), let opened = try? files.open(segments) else {
      return reply(550, "No such file or directory.")
    }
    let f = FileFacts(name: VirtualFileSystem.display(segments), info: opened.info)
    return [.reply(FTPReply(250, first: "Listing \(f.name)", body: [" " + facts(f)], last: "End"))]
  }

  // MARK: File information

  func regularFile(_ argument: String) -> (file: OpenFile, info: stat, segments: [String])? {
    guard !argument.isEmpty, let segments = try? files.resolve(argument), let opened = try? files.open(segments),
      opened.info.st_mode & S_IFMT == S_IFREG
    else { return nil }
    return (opened.file, opened.info, segments)
  }

  func size(_ argument: String) -> [FTPAction] {
    guard let found = regularFile(argument) else { return reply(550, "Could not get file size.") }
    let size = Int(found.info.st_size)
    guard ascii else { return reply(213, "\(size)") }
    // In ASCII mode the size is what TYPE A would send: each bare LF grows by a CR.
    guard size <= 64 * 1024 * 1024, let bytes = found.file.read(offset: 0, length: size) else {
      return reply(550, "SIZE in ASCII mode is not offered for files over 64 MiB; use TYPE I.")
    }
    var conversion = ASCIIConversion()
    return reply(213, "\(conversion.toNetwork(bytes).count)")
  }

  func mdtm(_ argument: String) -> [FTPAction] {
    guard let found = regularFile(argument) else { return reply(550, "Could not get file modification time.") }
    return reply(213, ListingFormat.timestamp(Int(found.info.st_mtim.tv_sec)))
  }

  func rest(_ argument: String) -> [FTPAction] {
    guard !argument.isEmpty, argument.count <= 18, argument.allSatisfy(\.isASCIIDigit), let offset = Int(argument)
    else {
      return reply(501, "REST needs a byte offset.")
    }
    restartOffset = offset
    return reply(350, "Restart position accepted (\(offset)).")
  }

  // MARK: Transfers

  func retrieve(_ argument: String) -> [FTPAction] {
    guard let found = regularFile(argument) else { return reply(550, "Failed to open file.") }
    let size = Int(found.info.st_size)
    let offset = restartOffset
    guard offset <= size else {
      restartOffset = 0
      return reply(554, "Restart offset \(offset) is past the end of the file (\(size) bytes).")
    }
    let name = VirtualFileSystem.display(found.segments)
    let opening = FTPReply(
      150, "Opening \(ascii ? "ASCII" : "BINARY") mode data connection for \(name) (\(size) bytes).")
    return begin(
      .file(found.file, offset: offset, length: size - offset), ascii: ascii, opening: opening,
      summary: "RETR \(name)")
  }

  func store(_ verb: String, _ argument: String) -> [FTPAction] {
    guard account?.canWrite == true else { return reply(550, "Permission denied.") }
    var segments: [String]
    do {
      segments = try files.resolve(verb == "STOU" && argument.isEmpty ? "upload" : argument)
    } catch .malformed {
      return reply(550, "Could not create file: the path climbs above the root.")
    } catch {
      return reply(553, "Could not create file: name not allowed.")
    }
    guard !argument.isEmpty || verb == "STOU", !segments.isEmpty else {
      return reply(501, "\(verb) needs a file name.")
    }
    guard var destination = try? files.folder.place(segments) else { return reply(553, "Could not create file.") }
    var existing = files.folder.existing(destination)
    if verb == "STOU" {
      // A name nobody uses yet: NAME, NAME.1, NAME.2, ...
      let base = segments[segments.count - 1]
      var n = 0
      while existing != nil && n < 1000 {
        n += 1
        segments[segments.count - 1] = "\(base).\(n)"
        destination = (try? files.folder.place(segments)) ?? destination
        existing = files.folder.existing(destination)
      }
      if existing != nil { return reply(553, "Could not find a unique name.") }
    }
    if let existing, existing.st_mode & S_IFMT == S_IFDIR {
      return reply(553, "Could not create file: a folder has that name.")
    }
    let size = existing.map { Int($0.st_size) }
    let keep: Int
    if verb == "APPE" {
      keep = size ?? 0
    } else {
      keep = restartOffset
      if keep > 0 && (size ?? 0) < keep {
        restartOffset = 0
        return reply(554, "Restart offset \(keep) is past the end of the file.")
      }
    }
    let upload: AtomicUpload
    do {
      upload = try files.folder.createUpload(at: destination, keepingFirst: keep)
    } catch {
      return reply(553, "Could not create file: \(error).")
    }
    let name = VirtualFileSystem.display(segments)
    let opening =
      verb == "STOU" ? FTPReply(150, "FILE: \(segments.last!)") : FTPReply(150, "Ok to send data for \(name).")
    return begin(.upload(upload), ascii: ascii, opening: opening, summary: "\(verb) \(name)")
  }

  // MARK: Changing the folder

  func writable(_ argument: String) -> ServedFolder.Place? {
    guard !argument.isEmpty, let segments = try? files.resolve(argument) else { return nil }
    return try? files.folder.place(segments)
  }

  func delete(_ argument: String) -> [FTPAction] {
    guard account?.canWrite == true else { return reply(550, "Permission denied.") }
    guard let target = writable(argument) else { return reply(550, "Delete operation failed.") }
    guard (try? files.folder.removeFile(target)) != nil else { return reply(550, "Delete operation failed.") }
    return reply(250, "Delete operation successful.")
  }

  func makeDirectory(_ argument: String) -> [FTPAction] {
    guard account?.canWrite == true else { return reply(550, "Permission denied.") }
    guard let target = writable(argument), (try? files.folder.makeFolder(target)) != nil else {
      return reply(550, "Create directory operation failed.")
    }
    return [.reply(FTPReply(257, "\(quoted(VirtualFileSystem.display(target.segments))) created."))]
  }

  func removeDirectory(_ argument: String) -> [FTPAction] {
    guard account?.canWrite == true else { return reply(550, "Permission denied.") }
    guard let target = writable(argument), (try? files.folder.removeFolder(target)) != nil else {
      return reply(550, "Remove directory operation failed.")
    }
    if files.cwd.starts(with: target.segments) { files.cwd = Array(target.segments.dropLast()) }
    return reply(250, "Remove directory operation successful.")
  }

  func renameFrom(_ argument: String) -> [FTPAction] {
    guard account?.canWrite == true else { return reply(550, "Permission denied.") }
    guard let source = writable(argument), files.folder.existing(source) != nil else {
      return reply(550, "RNFR command failed.")
    }
    renameFrom = source
    return reply(350, "Ready for RNTO.")
  }

  func renameTo(_ argument: String) -> [FTPAction] {
    guard let from = renameFrom else { return reply(503, "RNFR required first.") }
    renameFrom = nil
    guard account?.canWrite == true else { return reply(550, "Permission denied.") }
    guard let target = writable(argument), (try? files.folder.rename(from, to: target)) != nil else {
      return reply(550, "Rename failed.")
    }
    return reply(250, "Rename successful.")
  }
}
