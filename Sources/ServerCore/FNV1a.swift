/// FNV-1a, 64 bits: a fast digest that is the same for the same input across restarts (Swift's
/// `Hasher` is seeded per process), so validators made from it (ETags of folder archives and
/// listings) still match after the server restarts.
public struct FNV1a {
  public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

  public init() {}

  /// Folds the UTF-8 bytes of `text` into the digest.
  public mutating func add(_ text: String) {
    for byte in text.utf8 { value = (value ^ UInt64(byte)) &* 0x100_0000_01b3 }
  }

  /// Folds the eight bytes of `number` into the digest (no text made for it).
  public mutating func add(_ number: Int) {
    var n = UInt64(bitPattern: Int64(number))
    for _ in 0..<8 {
      value = (value ^ (n & 0xFF)) &* 0x100_0000_01b3
      n >>= 8
    }
  }

  /// The digest in lower-case hexadecimal.
  public var hex: String { String(value, radix: 16) }
}
