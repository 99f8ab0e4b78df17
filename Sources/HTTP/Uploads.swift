import ServerCore

#if canImport(Glibc)
  import Glibc
#endif

/// What `--upload`, `--overwrite` and `--max-upload` allow.
public struct UploadOptions: Sendable {
  /// PUT stores files (off by default: a file server is read-only unless asked).
  public var enabled = false
  /// An upload may replace an existing file (else 409 Conflict).
  public var overwrite = false
  /// The largest body accepted, in bytes (413 above it).
  public var maxSize = 1 << 30
  /// MKCOL creates folders (`--mkdir`).
  public var mkdir = false

  public init() {}
}

/// A PUT under way: its bytes go to a temporary file beside the destination, renamed into place
/// only when the whole body has arrived.
public final class PendingUpload {
  let file: AtomicUpload
  let replacing: Bool
  let location: String
  let maxSize: Int
  /// Why the upload failed part-way (disk full, over the limit); answered when the body ends.
  private(set) var failure: Response?

  init(file: AtomicUpload, replacing: Bool, location: String, maxSize: Int) {
    self.file = file
    self.replacing = replacing
    self.location = location
    self.maxSize = maxSize
  }

  /// Appends body bytes; after a failure the rest of the body is read and dropped.
  public func write(_ bytes: UnsafeRawBufferPointer) {
    guard failure == nil else { return }
    if file.size + bytes.count > maxSize {
      failure = .error(.contentTooLarge)
    } else if !file.write(bytes) {
      failure = errno == ENOSPC || errno == EDQUOT ? .error(.insufficientStorage) : .error(.internalServerError)
    }
    if failure != nil { file.discard() }
  }

  /// The body is complete: 201 Created (with Location) or 204 No Content for a replaced file,
  /// or the failure met on the way.
  public func finish() -> Response {
    if let failure { return failure }
    do {
      try file.commit()
    } catch {
      return .error(error.errno == ENOSPC || error.errno == EDQUOT ? .insufficientStorage : .internalServerError)
    }
    if replacing { return Response(status: .noContent) }
    return Response(
      status: .created, headers: [("Location", location), ("Content-Type", "text/plain; charset=utf-8")],
      body: [.bytes(Array("Created \(location)\n".utf8))])
  }
}

extension FileService {
  /// MKCOL (RFC 4918 §9.3) with `--mkdir`: 201 for a new folder; 405 if the name exists; 409
  /// if its parent does not; names checked like every other path.
  public func makeFolder(_ request: Request) -> Response {
    guard request.framing == .none else { return .error(.unsupportedMediaType) }
    let target: ServedFolder.Place
    switch place(request.path) {
    case .refused(let refusal): return refusal
    case .ready(let p): target = p
    }
    if folder.existing(target) != nil { return .error(.methodNotAllowed, [("Allow", allow)]) }
    do {
      try folder.makeFolder(target)
    } catch {
      return .error(error.isFull ? .insufficientStorage : .forbidden)
    }
    return Response(status: .created, headers: [("Location", PathResolver.canonicalURLPath(target.segments) + "/")])
  }
}

/// A step that either can go ahead with a value or is refused with a response: a PUT, a form
/// upload, a WebDAV name resolved for writing.
public enum Planned<Value> {
  case ready(Value)
  case refused(Response)
}

extension FileService {
  /// Starts a PUT: checks the name like every other path (no traversal, no dotfiles unless
  /// `--dotfiles`), that the folder exists, and overwrite and size rules. Returns the pending
  /// upload, or the response that refuses it.
  public func beginUpload(_ request: Request) -> Planned<PendingUpload> {
    let uploads = options.uploads
    if case .length(let length) = request.framing, length > uploads.maxSize {
      return .refused(.error(.contentTooLarge))
    }
    if request.path.hasSuffix("/") { return .refused(.error(.methodNotAllowed, [("Allow", allow)])) }  // a folder
    let target: ServedFolder.Place
    switch place(request.path) {
    case .refused(let refusal): return .refused(refusal)
    case .ready(let p): target = p
    }
    let existing = folder.existing(target)
    if let existing {
      if existing.st_mode & S_IFMT != S_IFREG { return .refused(.error(.conflict)) }
      if !uploads.overwrite { return .refused(.error(.conflict)) }
    }
    do {
      let file = try folder.createUpload(at: target)
      let location = PathResolver.canonicalURLPath(target.segments)
      return .ready(
        PendingUpload(file: file, replacing: existing != nil, location: location, maxSize: uploads.maxSize))
    } catch {
      return .refused(.error(error.isFull ? .insufficientStorage : .forbidden))
    }
  }
}
