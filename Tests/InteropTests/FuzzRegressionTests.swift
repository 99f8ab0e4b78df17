import Foundation
import TestSupport
import Testing

/// Every input kept in fixtures/fuzz (seeds, and any crash scripts/fuzz ever found) replayed
/// through the plain build of its fuzz target: each must be handled without a crash.
@Suite struct FuzzRegressionTests {
  @Test(arguments: ["http", "ftp", "dns", "zone", "users"])
  func replayKeptInputs(_ target: String) throws {
    let folder = Fixture.packageRoot.appendingPathComponent("fixtures/fuzz/\(target)")
    let inputs = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map {
      folder.appendingPathComponent($0).path
    }
    #expect(!inputs.isEmpty)
    let binary = Command.built("fuzz-\(target)")
    guard FileManager.default.isExecutableFile(atPath: binary) else {
      throw Command.NotFound(program: binary + " (run swift build first)")
    }
    let r = try Command.run(binary, inputs, timeout: 120)
    #expect(r.status == 0, "\(r.err)")
  }
}
