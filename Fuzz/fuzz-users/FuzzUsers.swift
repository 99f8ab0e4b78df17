// Fuzz target: the users-file parser and its round trip.
import FTP

/// Called by FuzzSupport for each input: from libFuzzer, or when replaying kept inputs.
@_cdecl("barenet_fuzz_one")
func fuzzOne(_ start: UnsafePointer<UInt8>?, _ count: Int) {
  let data = UnsafeRawBufferPointer(start: start, count: count)
  let text = String(decoding: data, as: UTF8.self)
  guard let file = try? UsersFile(text: text) else { return }
  let again = try? UsersFile(text: file.text)
  precondition(again == file, "a users file must survive being written and read back")
}
