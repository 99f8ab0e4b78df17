// Fuzz target: the zone-file (master file) parser and the presentation of what it reads.
import DNS

/// Called by FuzzSupport for each input: from libFuzzer, or when replaying kept inputs.
@_cdecl("barenet_fuzz_one")
func fuzzOne(_ start: UnsafePointer<UInt8>?, _ count: Int) {
  let data = UnsafeRawBufferPointer(start: start, count: count)
  let text = String(decoding: data, as: UTF8.self)
  guard let zone = try? ZoneFileParser(file: "fuzz").parse(text) else { return }
  for record in zone.records { _ = record.presentation }
  _ = Responder(zones: [zone])
}
