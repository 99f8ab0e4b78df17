import Foundation
import TestSupport
import Testing

@testable import barenet

/// `--qr`: the encoder's modules must equal those of python-qrcode (Debian's python3-qrcode)
/// for the same text, version and mask — an independent implementation of the standard.
@Suite struct QRCodeTests {
  func reference(_ text: String, version: Int, mask: Int) throws -> [[Bool]] {
    let script = """
      import sys, qrcode
      q = qrcode.QRCode(version=int(sys.argv[2]), error_correction=qrcode.constants.ERROR_CORRECT_L, border=0,
                        mask_pattern=int(sys.argv[3]))
      q.add_data(sys.argv[1].encode(), optimize=0)
      q.make(fit=False)
      for row in q.get_matrix(): print(''.join('1' if m else '0' for m in row))
      """
    let r = try Command.run("/usr/bin/python3", ["-c", script, text, "\(version)", "\(mask)"])
    guard r.status == 0 else { throw RawClient.Failure(description: r.err) }
    return r.out.split(separator: "\n").map { $0.map { $0 == "1" } }
  }

  @Test(arguments: ["http://127.0.0.1:8080/", "ftp://[2001:db8::1]:2121/", String(repeating: "x", count: 100), "a"])
  func modulesMatchAnIndependentEncoder(_ text: String) throws {
    for mask in 0..<8 {
      let code = try #require(QRCode(text, mask: mask))
      let expected = try reference(text, version: code.version, mask: mask)
      #expect(code.modules == expected, "\(text) mask \(mask) version \(code.version)")
    }
  }

  @Test func tooLongIsNil() {
    #expect(QRCode(String(repeating: "x", count: 107)) == nil)
    #expect(QRCode(String(repeating: "x", count: 106))?.version == 5)
  }
}
