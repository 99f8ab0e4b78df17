import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// Settings of the file server that a user chooses on the command line.
public struct FileServerOptions: Sendable {
  /// The folder to serve.
  public var root: String
  /// Whether folders without index.html get a generated listing.
  public var listing = true
  /// Whether names starting with "." are served and listed.
  public var dotfiles = false
  /// Whether and how PUT stores files.
  public var uploads = UploadOptions()
  /// WebDAV's locks, one table shared by every event loop serving these options.
  public var locks = LockTable()
  /// HTTPS-related behaviour: HSTS on a TLS listener, a redirect on a plain one.
  public var security = TransportSecurity()

  public init(root: String) {
    self.root = root
  }
}

/// Plans the response to a request for the served folder: the file server's whole logic.
///
/// It reads the file system (stat, open, realpath) but never a socket, so tests drive it with
/// requests and check the plans. One instance per event loop: its gzip cache needs no lock.
///
/// Over 400 lines because the GET/HEAD planner is one chain (open, folder or file, validators, conditionals, coding, ranges) sharing the per-loop caches; the WebDAV, upload and form planners are extensions in files of their own.
public final class FileService {
  public let options: FileServerOptions
  public let resolver: PathResolver
  /// The served folder's operations, through `resolver`.
  let folder: ServedFolder
  private let gzipCache = GzipCache()
  private let resolvedFiles: ResolvedFiles
  /// Header values that depend only on a file's identity, kept per real path and checked
  /// against inode, size and modification time on every use.
  private var facts: [String: HeaderFacts] = [:]

  /// A class, so that handing the facts along (from the table of remembered files to each
  /// response) costs one retain, not one per string.
  final class HeaderFacts {
    /// The file these facts are about, as it was: they hold while it is unchanged.
    let identity: FileIdentity
    let validators: Validators
    let lastModified: String
    let type: String
    let compressible: Bool
    /// The header fields of a whole, unencoded response, as a list and serialized.
    let identityFields: [(name: String, value: String)]
    let identityBytes: [UInt8]

    init(identity: FileIdentity, validators: Validators, type: String) {
      self.identity = identity
      self.validators = validators
      self.type = type
      lastModified = HTTPDate.format(validators.lastModified)
      compressible = MIMETypes.isCompressible(type)
      var fields = [
        ("Content-Type", type), ("Last-Modified", lastModified), ("ETag", validators.etag), ("Accept-Ranges", "bytes"),
      ]
      if compressible { fields.append(("Vary", "Accept-Encoding")) }
      identityFields = fields
      identityBytes = Response.serialized(fields: fields)
    }
  }

  /// Files up to this size are read into memory and sent with the head in one `writev`;
  /// larger ones go by `sendfile`.
  static let inlineLimit = 16 * 1024
  /// Files up to this size may be gzipped on the fly.
  static let gzipLimit = 8 * 1024 * 1024
  /// Below this size compression is not worth its header.
  static let gzipMinimum = 128
  /// OPTIONS: the methods this server answers. `DAV: 1` tells WebDAV clients (rclone, file
  /// managers) they may PROPFIND; with writes allowed, `DAV: 1, 2` says they may take locks
  /// (class 2), which Finder and Windows need before they mount a folder writable.
  public func optionsResponse() -> Response {
    Response(
      status: .noContent,
      headers: [("Allow", allow), ("DAV", options.uploads.enabled ? "1, 2" : "1"), ("MS-Author-Via", "DAV")])
  }

  /// The methods this server answers, for Allow.
  var allow: String {
    "GET, HEAD, OPTIONS, PROPFIND"
      + (options.uploads.enabled ? ", PUT, DELETE, MOVE, COPY, PROPPATCH, LOCK, UNLOCK" : "")
      + (options.uploads.mkdir ? ", MKCOL" : "")
  }
  /// The multipart/byteranges boundary.
  static let boundary = "barenet-byteranges-7d1c3a9e"

  /// Prepares to serve `options.root`, which must exist (its real path is resolved once).
  public init(options: FileServerOptions) throws(PathResolver.Refusal) {
    self.options = options
    guard let real = realpath(options.root, nil) else { throw .notFound }
    defer { free(real) }
    resolver = PathResolver(root: String(cString: real), allowDotfiles: options.dotfiles)
    folder = ServedFolder(jail: resolver)
    resolvedFiles = ResolvedFiles(root: resolver.root)
  }

  /// The response to a GET or HEAD of `request.path` (HEAD gets the same plan as GET; the
  /// caller drops the body). Other methods are routed by `HTTPConnection`.
  public func respond(to request: Request) -> Response {
    if request.path == "*" { return .error(.badRequest) }
    if let known = resolvedFiles.lookup(request.path) {
      return respondWithFile(request, known)
    }
    let opened: (file: OpenFile, path: String, real: String, info: stat)
    switch openForReading(request.path) {
    case .refused(let refusal): return refusal
    case .ready(let found): opened = found
    }
    let info = opened.info
    switch info.st_mode & S_IFMT {
    case S_IFDIR:
      return respondForDirectory(request, real: opened.real)
    case S_IFREG:
      let file = resolvedFiles.remember(
        request.path, fileSystemPath: opened.path, real: opened.real, file: opened.file, info: info,
        facts: facts(opened.real, info), keepUpTo: Self.inlineLimit)
      return respondWithFile(request, file)
    default:
      return .error(.forbidden)  // FIFOs, devices, sockets: never read
    }
  }

  /// Opens the file or folder a URL path names, checked to be inside the root; or the response
  /// that refuses it (400 malformed, 403 outside, 503 out of descriptors, 404 otherwise).
  /// `path` is the file-system path the URL named (symlinks not yet followed), `real` where it is.
  func openForReading(_ urlPath: String) -> Planned<(file: OpenFile, path: String, real: String, info: stat)> {
    let path: String
    let opened: (file: OpenFile, real: String)
    do {
      path = try resolver.fileSystemPath(of: urlPath)
      opened = try resolver.open(path)
    } catch .malformed {
      return .refused(.error(.badRequest))
    } catch .outside {
      return .refused(.error(.forbidden))
    } catch .unavailable {
      return .refused(.error(.serviceUnavailable, [("Retry-After", "1")]))
    } catch {
      return .refused(.error(.notFound))
    }
    guard let info = opened.file.status() else { return .refused(.error(.notFound)) }
    return .ready((opened.file, path, opened.real, info))
  }

  private func respondForDirectory(_ request: Request, real: String) -> Response {
    guard request.path.hasSuffix("/") else {
      let location = request.path + "/" + (request.query.map { "?" + $0 } ?? "")
      return .error(.movedPermanently, [("Location", location)])
    }
    let query = ListingQuery(query: request.query, accept: request.accept)
    if let archive = query.download {
      guard options.listing else { return .error(.forbidden) }
      return respondWithArchive(request, folder: real, compressed: archive == .tarGzip)
    }
    if let index = try? resolver.open(real + "/index.html"), let info = index.file.status(),
      info.st_mode & S_IFMT == S_IFREG
    {
      return respondWithFile(request, ServedFile(info: info, real: index.real, contents: .open(index.file)))
    }
    guard options.listing else { return .error(.forbidden) }
    guard let found = DirectoryListing.entries(at: real, in: folder) else { return .error(.forbidden) }
    // `entries` come sorted by name already; another order is sorted again.
    let entries =
      query.sort == .name && !query.descending ? found : DirectoryListing.sorted(found, by: query)
    let etag = Self.listingTag(entries, query: query, uploadForm: options.uploads.enabled)
    if let list = request.ifNoneMatch, Conditional.matches(list, etag, weak: true) {
      return Response(status: .notModified, headers: [("ETag", etag), ("Vary", "Accept, Accept-Encoding")])
    }
    let page: [UInt8]
    let type: String
    switch query.format {
    case .html:
      let readme = readmeText(in: real, among: found)
      page = Array(
        DirectoryListing.html(
          urlPath: request.path, entries: entries, query: query, readme: readme, uploadForm: options.uploads.enabled
        ).utf8)
      type = "text/html; charset=utf-8"
    case .json:
      page = Array(DirectoryListing.json(urlPath: request.path, entries: entries).utf8)
      type = "application/json"
    case .text:
      page = Array(DirectoryListing.text(entries: entries).utf8)
      type = "text/plain; charset=utf-8"
    }
    var response = Response(status: .ok, headers: [("Content-Type", type)])
    if options.security.compression, ContentCoding.acceptsGzip(request.acceptEncoding),
      let gz = ContentCoding.gzip(page)
    {
      response.headers += [("Content-Encoding", "gzip")]
      response.body = [.bytes(gz)]
    } else {
      response.body = [.bytes(page)]
    }
    response.headers += [("Vary", "Accept, Accept-Encoding"), ("Cache-Control", "no-cache"), ("ETag", etag)]
    return response
  }

  /// A weak validator for a listing: a digest of what the page shows (each entry's name, kind,
  /// size and time, in order, and how it was asked for), so a browser or proxy revalidates it
  /// with If-None-Match and gets 304 while the folder is unchanged. Weak, because the same
  /// listing may be sent gzipped or not (RFC 9110 §8.8.1).
  static func listingTag(_ entries: [DirectoryEntry], query: ListingQuery, uploadForm: Bool) -> String {
    var digest = FNV1a()
    digest.add("\(query.format)|\(query.sort)|\(query.descending)|\(uploadForm)\n")
    for entry in entries {
      digest.add(entry.name)
      digest.add(entry.isDirectory ? -1 - entry.size : entry.size)
      digest.add(entry.modified)
    }
    return "W/\"dir-\(digest.hex)\""
  }

  /// The folder as a tar archive, with a Content-Length and single-range support so that a
  /// broken download resumes (`curl -C -`, `wget -c`). The ETag names the members' paths,
  /// sizes and times: If-Range sends the whole archive again if any of them changed.
  private func respondWithArchive(_ request: Request, folder real: String, compressed: Bool) -> Response {
    let name = String(real.split(separator: "/").last ?? "root")
    let archive = FolderArchive(folder: real, name: name, resolver: resolver)
    if compressed {
      // Compressed on the way, so its length is unknown: no Content-Length, no ranges.
      guard let source = GzipSource(archive.source(resolver: resolver)) else { return .error(.internalServerError) }
      var response = Response(
        status: .ok,
        headers: [
          ("Content-Type", "application/gzip"),
          ("Content-Disposition", FolderArchive.contentDisposition(name + ".tar.gz")),
          ("Cache-Control", "no-cache"),
        ])
      response.body = [.stream(source, length: 0)]
      response.closeDelimited = true
      return response
    }
    let etag = "\"tar-\(archive.fingerprint)\""
    var response = Response(
      status: .ok,
      headers: [
        ("Content-Type", "application/x-tar"),
        ("Content-Disposition", FolderArchive.contentDisposition(name + ".tar")),
        ("ETag", etag), ("Accept-Ranges", "bytes"), ("Cache-Control", "no-cache"),
      ])
    var range: ClosedRange<Int>?
    if let header = request.range, request.ifRange.map({ $0 == etag }) ?? true {
      switch Ranges.evaluate(header, size: archive.length) {
      case .unsatisfiable:
        return .error(.rangeNotSatisfiable, [("Content-Range", "bytes */\(archive.length)")])
      case .partial(let ranges) where ranges.count == 1:
        range = ranges[0]
        response.status = .partialContent
        response.headers.append(
          ("Content-Range", "bytes \(ranges[0].lowerBound)-\(ranges[0].upperBound)/\(archive.length)"))
      default:
        break  // several ranges of an archive: the whole of it
      }
    }
    let length = range?.count ?? archive.length
    response.body = [.stream(archive.source(range: range, resolver: resolver), length: length)]
    return response
  }

  /// The text of the folder's README.md, readme.md or index.md, if one is listed there (so it
  /// is inside the root and not hidden) and is a regular file of at most 256 KiB.
  private func readmeText(in folder: String, among entries: [DirectoryEntry]) -> String? {
    for name in ["README.md", "readme.md", "Readme.md", "index.md"] {
      guard let entry = entries.first(where: { $0.name == name && !$0.isDirectory }), entry.size <= 256 * 1024,
        let opened = try? resolver.open(folder + "/" + name),
        let bytes = opened.file.read(offset: 0, length: entry.size)
      else { continue }
      return String(decoding: bytes, as: UTF8.self)
    }
    return nil
  }

  /// Plans a file response: validators, conditionals, gzip or precompressed copy, ranges.
  ///
  /// One piece: RFC 9110 fixes the order of validators, conditionals (§13.2.2), content coding and ranges, and this function is that order, read top to bottom.
  private func respondWithFile(_ request: Request, _ file: ServedFile) -> Response {
    let info = file.info
    let path = file.real
    let size = file.size
    let known = file.facts ?? self.facts(path, info)
    let type = known.type
    let validators = known.validators
    let compressible = known.compressible
    var response = Response(status: .ok, headers: [("Content-Type", type)])

    // Pick the representation first: its validators decide the conditionals.
    let wantsGzip =
      compressible && options.security.compression && request.range == nil
      && ContentCoding.acceptsGzip(request.acceptEncoding)
    var encoded: (body: BodyPart, validators: Validators)?
    if wantsGzip {
      encoded = precompressed(path, original: info) ?? compressedOnTheFly(file, path: path, info: info)
    }
    let chosen = encoded?.validators ?? validators
    if encoded == nil {
      // The whole file as it is: the fields kept with its facts, already serialized.
      response.headers = known.identityFields
      response.preparedFields = known.identityBytes
    } else {
      let lastModified =
        chosen.lastModified == validators.lastModified ? known.lastModified : HTTPDate.format(chosen.lastModified)
      response.headers.append(("Last-Modified", lastModified))
      response.headers.append(("ETag", chosen.etag))
      if compressible { response.headers.append(("Vary", "Accept-Encoding")) }
    }

    switch Conditional.evaluate(request, chosen) {
    case .notModified:
      response.status = .notModified
      response.headers.removeFirst()  // no Content-Type on a 304
      return response
    case .preconditionFailed:
      return .error(.preconditionFailed)
    case .proceed:
      break
    }
    if let encoded {
      response.headers.append(("Content-Encoding", "gzip"))
      response.body = [encoded.body]
      return response
    }
    var outcome = RangeOutcome.full
    if let range = request.range, request.ifRange.map({ Conditional.ifRangeHolds($0, validators) }) ?? true {
      outcome = Ranges.evaluate(range, size: size)
    }
    switch outcome {
    case .full:
      response.body = [body(file, offset: 0, length: size)]
    case .unsatisfiable:
      var error = Response.error(.rangeNotSatisfiable, [("Content-Range", "bytes */\(size)")])
      error.headers.insert(("Accept-Ranges", "bytes"), at: 0)
      return error
    case .partial(let ranges) where ranges.count == 1:
      let r = ranges[0]
      response.status = .partialContent
      response.headers.append(("Content-Range", "bytes \(r.lowerBound)-\(r.upperBound)/\(size)"))
      response.body = [body(file, offset: r.lowerBound, length: r.count)]
    case .partial(let ranges):
      response.status = .partialContent
      response.headers[0] = ("Content-Type", "multipart/byteranges; boundary=\(Self.boundary)")
      for r in ranges {
        let partHead =
          "\r\n--\(Self.boundary)\r\nContent-Type: \(type)\r\n"
          + "Content-Range: bytes \(r.lowerBound)-\(r.upperBound)/\(size)\r\n\r\n"
        response.body.append(.bytes(Array(partHead.utf8)))
        response.body.append(body(file, offset: r.lowerBound, length: r.count))
      }
      response.body.append(.bytes(Array("\r\n--\(Self.boundary)--\r\n".utf8)))
    }
    return response
  }

  /// Small bodies are read now, so head and body leave in one `writev`; large ones by sendfile.
  /// (A range of a file kept in memory is within it: ranges are checked against its size.)
  private func body(_ file: ServedFile, offset: Int, length: Int) -> BodyPart {
    switch file.contents {
    case .memory(let bytes):
      return .bytes(offset == 0 && length == bytes.count ? bytes : Array(bytes[offset..<(offset + length)]))
    case .open(let opened):
      if length <= Self.inlineLimit, let bytes = opened.read(offset: offset, length: length), bytes.count == length {
        return .bytes(bytes)
      }
      return .file(opened, offset: offset, length: length)
    }
  }

  /// A fresh `NAME.gz` beside the file (not older than it), sent as the gzip representation.
  private func precompressed(_ path: String, original: stat) -> (body: BodyPart, validators: Validators)? {
    guard let gz = try? resolver.open(path + ".gz"), let info = gz.file.status(), info.st_mode & S_IFMT == S_IFREG,
      FileIdentity.nanoseconds(info.st_mtim) >= FileIdentity.nanoseconds(original.st_mtim)
    else { return nil }
    let file = ServedFile(info: info, real: gz.real, contents: .open(gz.file))
    return (body(file, offset: 0, length: Int(info.st_size)), Self.validators(info, suffix: "-gz"))
  }

  private func compressedOnTheFly(_ file: ServedFile, path: String, info: stat) -> (
    body: BodyPart, validators: Validators
  )? {
    let size = Int(info.st_size)
    guard size >= Self.gzipMinimum && size <= Self.gzipLimit else { return nil }
    let key = GzipCache.Key(path: path, identity: FileIdentity(info))
    let data = gzipCache.compressed(key) {
      guard let bytes = file.wholeContents(), bytes.count == size else { return nil }
      return ContentCoding.gzip(bytes)
    }
    guard let data else { return nil }
    return (.bytes(data), Self.validators(info, suffix: "-gz"))
  }

  /// The cached header values for the file at `path`, recomputed when the file changed.
  func facts(_ path: String, _ info: stat) -> HeaderFacts {
    let identity = FileIdentity(info)
    if let hit = facts[path], hit.identity == identity { return hit }
    let fresh = HeaderFacts(identity: identity, validators: Self.validators(info), type: MIMETypes.type(forName: path))
    if facts.count >= 4096 { facts.removeAll(keepingCapacity: true) }
    facts[path] = fresh
    return fresh
  }

  /// A strong ETag from the modification time in nanoseconds and the size, and Last-Modified.
  static func validators(_ info: stat, suffix: String = "") -> Validators {
    let mtime = info.st_mtim
    let tag =
      "\"\(String(mtime.tv_sec, radix: 16)).\(String(mtime.tv_nsec, radix: 16))-"
      + "\(String(info.st_size, radix: 16))\(suffix)\""
    return Validators(etag: tag, lastModified: Int(mtime.tv_sec))
  }
}

extension FileServerOptions {
  /// One paragraph, printed at start, of what these options expose to anyone who can connect.
  public func exposure(auth: HTTPAuth?) -> String {
    let access =
      auth == nil
      ? "anyone who can connect may read" : auth!.writesOnly ? "anyone may read" : "only accounts may read"
    let who = auth == nil ? "by anyone" : "by accounts that may write"
    var writes =
      !uploads.enabled
      ? "uploads and WebDAV writes are off"
      : "uploads and WebDAV writes are ON (form, PUT, DELETE, MOVE, COPY\(uploads.overwrite ? ", replacing files" : ", new files only"), \(who))"
    if uploads.mkdir { writes += "; MKCOL creates folders \(who)" }
    return "barenet: exposed: \(access); folder listings \(listing ? "on" : "off"); "
      + "dotfiles \(dotfiles ? "SERVED" : "hidden"); \(writes)."
  }
}
