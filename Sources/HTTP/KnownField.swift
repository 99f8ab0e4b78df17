#if canImport(Glibc)
  import Glibc
#endif

/// The header fields this server acts on, matched case-insensitively on the raw bytes.
enum KnownField {
  case host, contentLength, transferEncoding, connection, expect
  case ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince, ifRange, range
  case acceptEncoding, accept, userAgent, referer, authorization, depth, destination, overwrite, contentType
  case davIf, lockToken, timeout

  private static let table: [(String, KnownField)] = [
    ("host", .host), ("content-length", .contentLength), ("transfer-encoding", .transferEncoding),
    ("connection", .connection), ("expect", .expect), ("if-match", .ifMatch),
    ("if-none-match", .ifNoneMatch), ("if-modified-since", .ifModifiedSince),
    ("if-unmodified-since", .ifUnmodifiedSince), ("if-range", .ifRange), ("range", .range),
    ("accept-encoding", .acceptEncoding), ("accept", .accept), ("user-agent", .userAgent),
    ("referer", .referer), ("authorization", .authorization), ("depth", .depth),
    ("destination", .destination), ("overwrite", .overwrite), ("content-type", .contentType),
    ("if", .davIf), ("lock-token", .lockToken), ("timeout", .timeout),
  ]

  init?(_ bytes: UnsafeRawBufferPointer, _ name: Range<Int>) {
    for (candidate, field) in Self.table where candidate.utf8.count == name.count {
      var equal = true
      var i = name.lowerBound
      for c in candidate.utf8 {
        var b = bytes[i]
        if b >= 65 && b <= 90 { b |= 0x20 }
        if b != c {
          equal = false
          break
        }
        i += 1
      }
      if equal {
        self = field
        return
      }
    }
    return nil
  }
}

/// Whether `bytes` spell `lowercase` (ASCII letters in either case).
func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
  guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
  for i in 0..<bytes.count {
    var b = bytes[i]
    if b >= 65 && b <= 90 { b |= 0x20 }
    if b != lowercase.utf8Start[i] { return false }
  }
  return true
}

let cr = UInt8(ascii: "\r")
let lf = UInt8(ascii: "\n")
let sp = UInt8(ascii: " ")
let ht = UInt8(ascii: "\t")

@inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

@inline(__always) func hexValue(_ b: UInt8) -> Int? {
  switch b {
  case 48...57: Int(b - 48)
  case 65...70: Int(b - 55)
  case 97...102: Int(b - 87)
  default: nil
  }
}

/// tchar (RFC 9110 §5.6.2): the characters of a method or a header name.
@inline(__always) func isTokenChar(_ b: UInt8) -> Bool {
  switch b {
  case 48...57, 65...90, 97...122: true
  case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
    UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
    UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
    true
  default: false
  }
}

func firstIndex(of byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
  guard from < bytes.count, let base = bytes.baseAddress else { return nil }
  guard let found = memchr(base + from, Int32(byte), bytes.count - from) else { return nil }
  return base.distance(to: UnsafeRawPointer(found))
}

func lastIndex(of byte: UInt8, in bytes: UnsafeRawBufferPointer, range: Range<Int>) -> Int? {
  var i = range.upperBound - 1
  while i >= range.lowerBound {
    if bytes[i] == byte { return i }
    i -= 1
  }
  return nil
}
