import Foundation

/// Test folders built from `fixtures/site` plus what git cannot hold well: large files,
/// symlinks that point out of the folder, precompressed copies.
public enum Fixture {
  /// The package's root folder.
  public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// A new empty folder for a test's own files (downloads, archives, users files), named with
  /// `label` so a leftover one says which test made it.
  public static func scratch(_ label: String) throws -> String {
    let path = NSTemporaryDirectory() + "barenet-\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// A fresh temporary copy of `fixtures/site` with extra files:
  /// - `big.bin`: 3 MiB of a deterministic byte pattern;
  /// - `passwd-link` → /etc/passwd and `etc-link` → /etc (both outside the root);
  /// - `hello-link.txt` → hello.txt (inside);
  /// - `app.js` and a fresh `app.js.gz` beside it holding different text, to tell them apart.
  public static func site() throws -> String {
    let base = FileManager.default.temporaryDirectory
      .appendingPathComponent("barenet-site-\(UUID().uuidString)")
    try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("fixtures/site"), to: base)
    try Data(bigPattern(3 * 1024 * 1024)).write(to: base.appendingPathComponent("big.bin"))
    let fm = FileManager.default
    try fm.createSymbolicLink(
      atPath: base.appendingPathComponent("passwd-link").path, withDestinationPath: "/etc/passwd")
    try fm.createSymbolicLink(atPath: base.appendingPathComponent("etc-link").path, withDestinationPath: "/etc")
    try fm.createSymbolicLink(
      atPath: base.appendingPathComponent("hello-link.txt").path, withDestinationPath: "hello.txt")
    let js = String(repeating: "console.log('barenet app');\n", count: 20)
    try js.write(to: base.appendingPathComponent("app.js"), atomically: false, encoding: .utf8)
    try gzipWithSystemTool(String(repeating: "console.log('precompressed');\n", count: 20))
      .write(to: base.appendingPathComponent("app.js.gz"))
    return base.path
  }

  /// The deterministic content of `big.bin`.
  public static func bigPattern(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: ($0 * 31) ^ ($0 >> 9)) }
  }

  /// Compresses text with the system's `gzip`, an independent implementation.
  static func gzipWithSystemTool(_ text: String) throws -> Data {
    let result = try Command.run("/bin/sh", ["-c", "gzip -c"], input: Data(text.utf8))
    return result.stdout
  }

  /// Removes a folder made by `site()`.
  public static func remove(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
  }
}
