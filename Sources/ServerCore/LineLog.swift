#if canImport(Glibc)
  import Glibc
#endif

/// Where log lines go: a descriptor shared by all loops (stdout or a file opened O_APPEND).
public struct LogSink: Sendable {
  let descriptor: Int32

  /// Standard output.
  public static let standardOutput = LogSink(descriptor: 1)
  /// Standard error (where `--trace` goes, apart from the access log).
  public static let standardError = LogSink(descriptor: 2)

  /// Opens (creating if needed) `path` for appending; nil if it cannot be opened.
  public static func file(_ path: String) -> LogSink? {
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    return fd >= 0 ? LogSink(descriptor: fd) : nil
  }
}

/// Log lines buffered per event loop and written once per batch of events, so logging costs one
/// `write` per batch rather than one per request. The HTTP access log and the FTP transfer log
/// both write through it.
public final class LineLog {
  private let sink: LogSink?
  private var buffer: [UInt8] = []

  /// A log writing to `sink`, or a silent one for nil (`--quiet`).
  public init(sink: LogSink?) {
    self.sink = sink
    buffer.reserveCapacity(8192)
  }

  /// False for a silent log: callers skip formatting lines nobody reads.
  public var isEnabled: Bool { sink != nil }

  /// Appends one line (a newline is added).
  public func append(_ line: String) {
    guard sink != nil else { return }
    buffer.append(contentsOf: line.utf8)
    buffer.append(UInt8(ascii: "\n"))
    if buffer.count > 32 * 1024 { flush() }
  }

  /// Writes what is buffered, in pieces of whole lines no larger than PIPE_BUF so that lines
  /// from different loops never interleave on a pipe.
  public func flush() {
    guard let sink, !buffer.isEmpty else { return }
    var start = 0
    while start < buffer.count {
      var end = min(buffer.count, start + Int(PIPE_BUF))
      if end < buffer.count, let lastNewline = buffer[start..<end].lastIndex(of: UInt8(ascii: "\n")) {
        end = lastNewline + 1
      }
      let written = buffer[start..<end].withUnsafeBytes { write(sink.descriptor, $0.baseAddress, $0.count) }
      if written <= 0 { break }  // a full or broken log never stops serving
      start += written
    }
    buffer.removeAll(keepingCapacity: true)
  }

  /// Escapes quotes, backslashes and control characters, so a client cannot forge a log line.
  public static func escape(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case _ where scalar.value < 0x20 || scalar.value == 0x7f:
        out += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}
