// Fuzz target: the users-file parser and its round trip.
import FTP
import FuzzSupport

func fuzzOne(_ data: UnsafeRawBufferPointer) {
  let text = String(decoding: data, as: UTF8.self)
  guard let file = try? UsersFile(text: text) else { return }
  let again = try? UsersFile(text: file.text)
  precondition(again == file, "a users file must survive being written and read back")
}

#if FUZZING
  /// libFuzzer calls this for every input it makes up.
  @_cdecl("LLVMFuzzerTestOneInput")
  func fuzzTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    fuzzOne(UnsafeRawBufferPointer(start: start, count: count))
    return 0
  }
#else
  @main
  struct Replay {
    static func main() { replayFiles(fuzzOne) }
  }
#endif
