/// One command line from the client (RFC 959 §4.1): a verb and its argument.
public struct FTPCommand: Equatable, Sendable {
  /// The verb in upper case ("RETR").
  public let verb: String
  /// The rest of the line after one space, unchanged (file names may have spaces).
  public let argument: String

  public init(verb: String, argument: String) {
    self.verb = verb
    self.argument = argument
  }

  /// Parses a line without its line ending. Verbs are 3–4 letters; anything else is nil.
  public init?(line: String) {
    let verb: Substring
    let argument: Substring
    if let space = line.firstIndex(of: " ") {
      verb = line[..<space]
      argument = line[line.index(after: space)...]
    } else {
      verb = Substring(line)
      argument = ""
    }
    guard (3...4).contains(verb.count), verb.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
    self.verb = verb.uppercased()
    self.argument = String(argument)
  }
}

/// Splits the control connection's bytes into command lines: sans-I/O, bytes in, lines out.
///
/// Telnet commands (IAC sequences, RFC 854), which some clients send around ABOR, are removed;
/// IAC IAC stands for a literal 0xFF. Lines end in CRLF or a bare LF. A line longer than the
/// limit is reported once as `.tooLong` and skipped up to its end.
public struct CommandLineSplitter: Sendable {
  public enum Line: Equatable, Sendable {
    case line(String)
    case tooLong
  }

  /// The longest line accepted (RFC 959 sets no limit; paths can be long, floods must not be).
  public let limit: Int
  private var skippingLongLine = false

  public init(limit: Int = 4096) {
    self.limit = limit
  }

  /// Takes the next complete line from `bytes`. Returns the line and how many bytes it used,
  /// or nil (with the bytes it could discard) when no complete line is there yet.
  public mutating func next(_ bytes: some Collection<UInt8>) -> (Line?, consumed: Int) {
    let array = Array(bytes)
    guard let newline = array.firstIndex(of: 0x0A) else {
      if array.count > limit {
        if skippingLongLine { return (nil, array.count) }
        skippingLongLine = true
        return (.tooLong, array.count)
      }
      return (nil, 0)
    }
    if skippingLongLine {
      skippingLongLine = false
      return (nil, newline + 1)
    }
    if newline > limit { return (.tooLong, newline + 1) }
    var end = newline
    if end > 0 && array[end - 1] == 0x0D { end -= 1 }
    let cleaned = Self.removingTelnetCommands(array[0..<end])
    return (.line(String(decoding: cleaned, as: UTF8.self)), newline + 1)
  }

  /// Drops IAC sequences (IAC x, and IAC WILL/WONT/DO/DONT x), keeping IAC IAC as one 0xFF.
  static func removingTelnetCommands(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
    guard bytes.contains(0xFF) else { return Array(bytes) }
    var out: [UInt8] = []
    var i = bytes.startIndex
    while i < bytes.endIndex {
      let b = bytes[i]
      if b != 0xFF {
        out.append(b)
        i += 1
        continue
      }
      let next = i + 1 < bytes.endIndex ? bytes[i + 1] : nil
      switch next {
      case 0xFF?:
        out.append(0xFF)
        i += 2
      case (0xFB...0xFE)?:  // WILL, WONT, DO, DONT take an option byte
        i += 3
      default:
        i += 2
      }
    }
    return out
  }
}
