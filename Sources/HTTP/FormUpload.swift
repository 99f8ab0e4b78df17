import ServerCore

#if canImport(Glibc)
  import Glibc
#endif

/// A browser's upload form (`POST` of multipart/form-data to a folder, with `--upload`): every
/// file part goes to a temporary file in that folder, and all of them are renamed into place
/// only when the closing boundary has arrived — a dropped connection leaves nothing behind.
public final class FormUpload {
  private var parser: MultipartParser
  /// The folder's segments below the root.
  private let folder: [String]
  private let folderPath: String
  private let service: FileService
  private var current: AtomicUpload?
  private var finished: [AtomicUpload] = []
  private var names: [String] = []
  private var received = 0
  private var failure: Response?

  init(parser: MultipartParser, folder: [String], folderPath: String, service: FileService) {
    self.parser = parser
    self.folder = folder
    self.folderPath = folderPath
    self.service = service
  }

  /// Body bytes as they arrive.
  public func write(_ bytes: UnsafeRawBufferPointer) {
    guard failure == nil else { return }
    received += bytes.count
    if received > service.options.uploads.maxSize {
      abandon(.error(.contentTooLarge))
      return
    }
    handle(parser.feed(bytes))
  }

  /// The body is complete: 303 back to the folder's listing once every file is in place.
  public func finish() -> Response {
    if failure == nil { handle(parser.finish()) }
    if let failure { return failure }
    for file in finished {
      do {
        try file.commit()
      } catch {
        abandon(.error(error.errno == ENOSPC ? .insufficientStorage : .internalServerError))
        return failure!
      }
    }
    var response = Response(status: .seeOther, headers: [("Location", folderPath)])
    response.body = [.bytes(Array(names.map { "stored \($0)\n" }.joined().utf8))]
    return response
  }

  private func handle(_ events: [MultipartParser.Event]) {
    for event in events where failure == nil {
      switch event {
      case .partStart(let headers):
        guard let raw = MultipartParser.filename(in: headers), !raw.isEmpty else { continue }  // a plain field
        // Browsers send the bare name; some old ones a whole path. Keep the last component only.
        let name = String(raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "")
        switch service.placeForNewFile(name, in: folder, replacing: names) {
        case .refused(let refusal):
          abandon(refusal)
        case .ready(let place):
          do {
            current = try service.folder.createUpload(at: place)
            names.append(name)
          } catch {
            abandon(.error(error.isFull ? .insufficientStorage : .forbidden))
          }
        }
      case .data(let bytes):
        if let current, !current.write(bytes) {
          abandon(.error(errno == ENOSPC || errno == EDQUOT ? .insufficientStorage : .internalServerError))
        }
      case .partEnd:
        if let current { finished.append(current) }
        current = nil
      case .end:
        continue
      case .failed:
        abandon(.error(.badRequest))
      }
    }
  }

  private func abandon(_ response: Response) {
    failure = response
    current?.discard()
    for file in finished { file.discard() }
    current = nil
    finished = []
  }
}

extension FileService {
  /// Starts a form upload to the folder at `request.path`, or refuses it.
  public func beginFormUpload(_ request: Request) -> Planned<FormUpload> {
    guard let boundary = request.contentType.flatMap(MultipartParser.boundary(fromContentType:)) else {
      return .refused(.error(.unsupportedMediaType))
    }
    if case .length(let length) = request.framing, length > options.uploads.maxSize {
      return .refused(.error(.contentTooLarge))
    }
    guard let segments = try? resolver.segments(of: request.path), let opened = try? folder.open(segments) else {
      return .refused(.error(.notFound))
    }
    guard opened.info.st_mode & S_IFMT == S_IFDIR else {
      return .refused(.error(.methodNotAllowed, [("Allow", allow)]))
    }
    let path = request.path.hasSuffix("/") ? request.path : request.path + "/"
    return .ready(
      FormUpload(parser: MultipartParser(boundary: boundary), folder: segments, folderPath: path, service: self))
  }

  /// Where a form's file `name` goes in the folder at `segments`, or why it may not: hidden or
  /// empty names, a folder in the way, or an existing file without `--overwrite` (409), a name
  /// given twice in one form (409).
  func placeForNewFile(_ name: String, in segments: [String], replacing earlier: [String]) -> Planned<
    ServedFolder.Place
  > {
    guard !name.isEmpty, name != ".", name != "..", !name.utf8.contains(0) else { return .refused(.error(.badRequest)) }
    if !resolver.mayShow(name) { return .refused(.error(.forbidden)) }
    if earlier.contains(name) { return .refused(.error(.conflict)) }
    guard let place = try? folder.place(segments + [name]) else { return .refused(.error(.conflict)) }
    if let info = folder.existing(place), info.st_mode & S_IFMT != S_IFREG || !options.uploads.overwrite {
      return .refused(.error(.conflict))
    }
    return .ready(place)
  }
}
