/// Compressed copies of small files, kept per event loop and checked against the file's
/// identity (`FileIdentity`: inode, size, modification and change times) on every use.
///
/// The peers compress every response anew; a file that has not changed compresses to the same
/// bytes, so we compress it once.
final class GzipCache {
  struct Key: Hashable {
    var path: String
    var identity: FileIdentity
  }

  private var entries: [Key: [UInt8]] = [:]
  private var order: [Key] = []
  private var total = 0
  let limit: Int

  init(limit: Int = 32 * 1024 * 1024) {
    self.limit = limit
  }

  /// The compressed bytes for `key`, computing and storing them with `compress` on a miss.
  func compressed(_ key: Key, _ compress: () -> [UInt8]?) -> [UInt8]? {
    if let hit = entries[key] { return hit }
    guard let data = compress() else { return nil }
    if data.count > limit { return data }
    while total + data.count > limit, !order.isEmpty {
      let old = order.removeFirst()
      total -= entries.removeValue(forKey: old)?.count ?? 0
    }
    entries[key] = data
    order.append(key)
    total += data.count
    return data
  }
}
