import CTransport

/// Query IDs from the system's secure source (RFC 5452 §9.2: unpredictable IDs are half of a
/// client's defence against forged answers), drawn 512 at a time.
///
/// One `getrandom` per query was half of a 10,000-name batch's system calls; one per 512 costs
/// nothing and is as unpredictable.
public struct QueryIDs {
  private var pool: [UInt16] = []

  public init() {}

  public mutating func next() -> UInt16 {
    if pool.isEmpty { refill() }
    return pool.removeLast()
  }

  private mutating func refill() {
    pool = [UInt16](repeating: 0, count: 512)
    let filled = pool.withUnsafeMutableBytes { raw in
      var done = 0
      while done < raw.count {
        let n = getrandom(raw.baseAddress! + done, raw.count - done, 0)
        if n <= 0 { break }
        done += n
      }
      return done == raw.count
    }
    if !filled {  // getrandom cannot fail on Linux ≥ 3.17 once seeded; never hand out zeros
      var generator = SystemRandomNumberGenerator()
      pool = (0..<512).map { _ in UInt16.random(in: 0...UInt16.max, using: &generator) }
    }
  }
}
