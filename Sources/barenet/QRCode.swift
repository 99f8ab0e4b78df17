/// A QR code (ISO/IEC 18004) of a short text, for `--qr`: a phone scans the URL off the terminal.
///
/// Byte mode, error correction level L, versions 1 to 5 (one error-correction block, so no
/// interleaving): up to 106 bytes, which any URL barenet prints fits in.
public struct QRCode: Sendable {
  /// Rows of modules, `true` for dark, without the quiet zone.
  public let modules: [[Bool]]
  public let version: Int
  public let mask: Int

  /// Data and error-correction codewords per version (1...5) at level L.
  static let capacity: [(data: Int, ec: Int)] = [(19, 7), (34, 10), (55, 15), (80, 20), (108, 26)]

  /// Encodes `text`, choosing the smallest version and the mask with the lowest penalty (or
  /// the given `mask`); nil if it is too long.
  public init?(_ text: String, mask fixedMask: Int? = nil) {
    let bytes = Array(text.utf8)
    guard let index = Self.capacity.firstIndex(where: { 4 + 8 + 8 * bytes.count <= 8 * $0.data }) else { return nil }
    version = index + 1
    let (dataCount, ecCount) = Self.capacity[index]
    var bits: [Bool] = []
    func put(_ value: Int, _ count: Int) {
      for i in stride(from: count - 1, through: 0, by: -1) { bits.append(value >> i & 1 == 1) }
    }
    put(0b0100, 4)
    put(bytes.count, 8)
    for b in bytes { put(Int(b), 8) }
    put(0, min(4, 8 * dataCount - bits.count))
    while bits.count % 8 != 0 { bits.append(false) }
    var codewords = stride(from: 0, to: bits.count, by: 8).map { start in
      bits[start..<(start + 8)].reduce(0) { $0 << 1 | ($1 ? 1 : 0) }
    }
    var pad = 0xEC
    while codewords.count < dataCount {
      codewords.append(pad)
      pad = pad == 0xEC ? 0x11 : 0xEC
    }
    codewords += Self.errorCorrection(codewords, count: ecCount)
    let size = 17 + 4 * version
    var base = Grid(size: size)
    base.placeFunctionPatterns(version: version)
    base.placeData(codewords)
    var best: (grid: Grid, mask: Int, penalty: Int)?
    for mask in fixedMask.map({ [$0] }) ?? Array(0..<8) {
      var grid = base
      grid.applyMask(mask)
      grid.placeFormat(mask: mask)
      let penalty = grid.penalty()
      if best == nil || penalty < best!.penalty { best = (grid, mask, penalty) }
    }
    modules = best!.grid.dark
    mask = best!.mask
  }

  /// The code as text for a terminal: two rows of modules per line with half blocks, dark on
  /// light, inside a quiet zone of four modules.
  public var terminalText: String {
    let quiet = 4
    let size = modules.count + 2 * quiet
    func dark(_ r: Int, _ c: Int) -> Bool {
      let (y, x) = (r - quiet, c - quiet)
      return y >= 0 && x >= 0 && y < modules.count && x < modules.count && modules[y][x]
    }
    var out = ""
    for r in stride(from: 0, to: size, by: 2) {
      for c in 0..<size {
        switch (dark(r, c), dark(r + 1, c)) {
        case (false, false): out += "█"
        case (true, false): out += "▄"
        case (false, true): out += "▀"
        case (true, true): out += " "
        }
      }
      out += "\n"
    }
    return out
  }

  /// Reed–Solomon error-correction codewords over GF(256) with the polynomial x⁸+x⁴+x³+x²+1.
  static func errorCorrection(_ data: [Int], count: Int) -> [Int] {
    var exp = [Int](repeating: 0, count: 512)
    var log = [Int](repeating: 0, count: 256)
    var x = 1
    for i in 0..<255 {
      exp[i] = x
      log[x] = i
      x <<= 1
      if x & 0x100 != 0 { x ^= 0x11D }
    }
    for i in 255..<512 { exp[i] = exp[i - 255] }
    func multiply(_ a: Int, _ b: Int) -> Int { a == 0 || b == 0 ? 0 : exp[log[a] + log[b]] }
    // The generator: the product of (x - 2^i) for i in 0..<count.
    var generator = [1]
    for i in 0..<count {
      var next = [Int](repeating: 0, count: generator.count + 1)
      for (j, g) in generator.enumerated() {
        next[j] ^= g
        next[j + 1] ^= multiply(g, exp[i])
      }
      generator = next
    }
    var remainder = data + [Int](repeating: 0, count: count)
    for i in 0..<data.count where remainder[i] != 0 {
      let factor = remainder[i]
      for (j, g) in generator.enumerated() { remainder[i + j] ^= multiply(g, factor) }
    }
    return Array(remainder[data.count...])
  }
}

/// The module grid while a code is built: which modules are dark, and which belong to function
/// patterns (never masked, never holding data).
struct Grid: Sendable {
  var dark: [[Bool]]
  var reserved: [[Bool]]
  let size: Int

  init(size: Int) {
    self.size = size
    dark = Array(repeating: Array(repeating: false, count: size), count: size)
    reserved = dark
  }

  mutating func set(_ r: Int, _ c: Int, _ value: Bool) {
    dark[r][c] = value
    reserved[r][c] = true
  }

  mutating func placeFunctionPatterns(version: Int) {
    for (r0, c0) in [(0, 0), (0, size - 7), (size - 7, 0)] {
      // A finder: 7×7 rings, with a light separator around it.
      for r in -1...7 {
        for c in -1...7 where (0..<size).contains(r0 + r) && (0..<size).contains(c0 + c) {
          let ring = max(abs(r - 3), abs(c - 3))
          set(r0 + r, c0 + c, ring != 2 && ring != 4)
        }
      }
    }
    for i in 8..<(size - 8) {
      set(6, i, i % 2 == 0)
      set(i, 6, i % 2 == 0)
    }
    if version >= 2 {
      let center = 4 * version + 10
      for r in -2...2 {
        for c in -2...2 { set(center + r, center + c, max(abs(r), abs(c)) != 1) }
      }
    }
    set(size - 8, 8, true)  // the dark module
    for i in 0..<9 {
      reserved[8][i] = true
      reserved[i][8] = true
    }
    for i in 0..<8 {
      reserved[8][size - 1 - i] = true
      reserved[size - 1 - i][8] = true
    }
  }

  /// Data bits in the zigzag order: column pairs from the right, up then down, skipping the
  /// vertical timing column.
  mutating func placeData(_ codewords: [Int]) {
    var bitIndex = 0
    let total = codewords.count * 8
    var column = size - 1
    var upward = true
    while column > 0 {
      if column == 6 { column -= 1 }
      for step in 0..<size {
        let row = upward ? size - 1 - step : step
        for c in [column, column - 1] where !reserved[row][c] {
          if bitIndex < total {
            dark[row][c] = codewords[bitIndex / 8] >> (7 - bitIndex % 8) & 1 == 1
          }
          bitIndex += 1
        }
      }
      upward.toggle()
      column -= 2
    }
  }

  mutating func applyMask(_ mask: Int) {
    for r in 0..<size {
      for c in 0..<size where !reserved[r][c] {
        let flip: Bool
        switch mask {
        case 0: flip = (r + c) % 2 == 0
        case 1: flip = r % 2 == 0
        case 2: flip = c % 3 == 0
        case 3: flip = (r + c) % 3 == 0
        case 4: flip = (r / 2 + c / 3) % 2 == 0
        case 5: flip = (r * c) % 2 + (r * c) % 3 == 0
        case 6: flip = ((r * c) % 2 + (r * c) % 3) % 2 == 0
        default: flip = ((r + c) % 2 + (r * c) % 3) % 2 == 0
        }
        if flip { dark[r][c].toggle() }
      }
    }
  }

  /// The 15 format bits (level L, the mask, BCH-protected, XORed with 0x5412), twice.
  mutating func placeFormat(mask: Int) {
    let data = 0b01 << 3 | mask
    var remainder = data << 10
    for i in stride(from: 14, through: 10, by: -1) where remainder >> i & 1 == 1 { remainder ^= 0x537 << (i - 10) }
    let bits = (data << 10 | remainder) ^ 0x5412
    func bit(_ i: Int) -> Bool { bits >> i & 1 == 1 }
    // Around the top-left finder: down column 8, then along row 8 leftwards.
    for i in 0...5 { dark[i][8] = bit(i) }
    dark[7][8] = bit(6)
    dark[8][8] = bit(7)
    dark[8][7] = bit(8)
    for i in 9..<15 { dark[8][14 - i] = bit(i) }
    // The second copy: row 8 at the right, column 8 at the bottom.
    for i in 0..<8 { dark[8][size - 1 - i] = bit(i) }
    for i in 8..<15 { dark[size - 15 + i][8] = bit(i) }
    dark[size - 8][8] = true
  }

  /// The standard's penalty: runs, 2×2 blocks, finder-like patterns, dark/light balance.
  func penalty() -> Int {
    var score = 0
    for line in 0..<size {
      for horizontal in [true, false] {
        var run = 1
        for i in 1..<size {
          let a = horizontal ? dark[line][i] : dark[i][line]
          let b = horizontal ? dark[line][i - 1] : dark[i - 1][line]
          if a == b {
            run += 1
          } else {
            if run >= 5 { score += run - 2 }
            run = 1
          }
        }
        if run >= 5 { score += run - 2 }
        let values = (0..<size).map { horizontal ? dark[line][$0] : dark[$0][line] }
        let pattern: [Bool] = [true, false, true, true, true, false, true, false, false, false, false]
        for i in 0...(size - 11) {
          let window = Array(values[i..<(i + 11)])
          if window == pattern || window == pattern.reversed() { score += 40 }
        }
      }
    }
    for r in 0..<(size - 1) {
      for c in 0..<(size - 1)
      where dark[r][c] == dark[r + 1][c] && dark[r][c] == dark[r][c + 1] && dark[r][c] == dark[r + 1][c + 1] {
        score += 3
      }
    }
    let darkCount = dark.reduce(0) { $0 + $1.filter { $0 }.count }
    score += abs(darkCount * 20 - size * size * 10) / (size * size) * 10
    return score
  }
}
