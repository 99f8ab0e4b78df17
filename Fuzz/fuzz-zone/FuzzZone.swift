// Fuzz target: the zone-file (master file) parser and the presentation of what it reads.
import DNS
import FuzzSupport

func fuzzOne(_ data: UnsafeRawBufferPointer) {
  let text = String(decoding: data, as: UTF8.self)
  guard let zone = try? ZoneFileParser(file: "fuzz").parse(text) else { return }
  for record in zone.records { _ = record.presentation }
  _ = Responder(zones: [zone])
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
