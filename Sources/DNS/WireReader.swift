/// Why a DNS message could not be read.
public enum DNSWireError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A read ran past the end of the message.
  case truncated(at: Int)
  /// A compression pointer pointed forward or at itself, or too many pointers were followed.
  case badPointer(at: Int)
  /// A label over 63 bytes, a name over 255, or a reserved label type.
  case badName(at: Int)
  /// An RDATA that does not have the shape its type requires.
  case badRecordData(type: UInt16, at: Int)
  /// Bytes left over after the last section.
  case trailingBytes(count: Int)

  public var description: String {
    switch self {
    case .truncated(let at): "message ends too early (at byte \(at))"
    case .badPointer(let at): "compression pointer loop at byte \(at) (a pointer must point back)"
    case .badName(let at): "malformed name at byte \(at)"
    case .badRecordData(let type, let at): "malformed data for type \(RecordType(type)) at byte \(at)"
    case .trailingBytes(let count): "\(count) bytes after the last record"
    }
  }
}

/// Reads a DNS message with a bounds check on every read (RFC 1035 §4.1).
///
/// Nothing in a message is trusted: each length is checked against what is left, and names
/// follow compression pointers only backwards, a bounded number of times.
public struct WireReader {
  public let bytes: [UInt8]
  public var offset: Int

  public init(_ bytes: [UInt8], offset: Int = 0) {
    self.bytes = bytes
    self.offset = offset
  }

  public var remaining: Int { bytes.count - offset }

  public mutating func u8() throws(DNSWireError) -> UInt8 {
    guard offset < bytes.count else { throw .truncated(at: offset) }
    defer { offset += 1 }
    return bytes[offset]
  }

  public mutating func u16() throws(DNSWireError) -> UInt16 {
    guard offset + 2 <= bytes.count else { throw .truncated(at: offset) }
    defer { offset += 2 }
    return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
  }

  public mutating func u32() throws(DNSWireError) -> UInt32 {
    guard offset + 4 <= bytes.count else { throw .truncated(at: offset) }
    defer { offset += 4 }
    return bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
  }

  public mutating func take(_ count: Int) throws(DNSWireError) -> [UInt8] {
    guard count >= 0, offset + count <= bytes.count else { throw .truncated(at: offset) }
    defer { offset += count }
    return Array(bytes[offset..<offset + count])
  }

  /// A domain name, following compression pointers (RFC 1035 §4.1.4): each pointer must point
  /// before the place it was read from, at most 64 are followed, labels are ≤ 63 bytes and the
  /// whole name ≤ 255 bytes on the wire.
  public mutating func name() throws(DNSWireError) -> DNSName {
    var labels: [[UInt8]] = []
    var position = offset
    var jumped = false
    var hops = 0
    var wireLength = 1
    while true {
      guard position < bytes.count else { throw .truncated(at: position) }
      let length = bytes[position]
      switch length & 0xC0 {
      case 0x00:
        if length == 0 {
          if !jumped { offset = position + 1 }
          return DNSName(labels: labels)
        }
        guard position + 1 + Int(length) <= bytes.count else { throw .truncated(at: position) }
        wireLength += Int(length) + 1
        guard wireLength <= 255 else { throw .badName(at: position) }
        labels.append(Array(bytes[(position + 1)...(position + Int(length))]))
        position += 1 + Int(length)
      case 0xC0:
        guard position + 1 < bytes.count else { throw .truncated(at: position) }
        let target = Int(length & 0x3F) << 8 | Int(bytes[position + 1])
        hops += 1
        guard target < position, hops <= 64 else { throw .badPointer(at: position) }
        if !jumped { offset = position + 2 }
        jumped = true
        position = target
      default:
        throw .badName(at: position)  // 0x40 and 0x80 label types are reserved
      }
    }
  }
}

/// Appends big-endian integers and names to a message being built.
public struct WireWriter {
  public var bytes: [UInt8] = []
  /// Where names were written, for compression (lower-cased suffix → offset).
  private var written: [[[UInt8]]: Int] = [:]
  public var compress: Bool

  public init(compress: Bool = true) {
    self.compress = compress
  }

  public mutating func u8(_ v: UInt8) { bytes.append(v) }
  // Byte by byte: `bytes += [a, b]` would build a temporary array for every field.
  public mutating func u16(_ v: UInt16) {
    bytes.append(UInt8(v >> 8))
    bytes.append(UInt8(v & 0xFF))
  }
  public mutating func u32(_ v: UInt32) {
    u16(UInt16(v >> 16))
    u16(UInt16(v & 0xFFFF))
  }
  public mutating func append(_ b: [UInt8]) { bytes += b }

  /// Writes a name, pointing at an earlier copy of its longest known suffix when compressing.
  public mutating func name(_ name: DNSName, compressible: Bool = true) {
    guard compress else {
      // Uncompressed (canonical RDATA, queries): no table of suffixes to keep.
      for label in name.labels {
        u8(UInt8(label.count))
        append(label)
      }
      u8(0)
      return
    }
    let lowered = name.labels.map { $0.map(asciiLower) }
    for i in 0..<name.labels.count {
      let suffix = Array(lowered[i...])
      if compress && compressible, let at = written[suffix] {
        u16(0xC000 | UInt16(at))
        return
      }
      if bytes.count < 0x3FFF { written[suffix] = bytes.count }
      u8(UInt8(name.labels[i].count))
      append(name.labels[i])
    }
    u8(0)
  }
}

@inline(__always) func asciiLower(_ b: UInt8) -> UInt8 {
  b >= 65 && b <= 90 ? b | 0x20 : b
}
