// Fuzz target: the DNS message decoder, presentation of what it decodes, and the responder.
import DNS
import FuzzSupport

let responder: Responder = {
  let zone = try! ZoneFileParser(file: "fuzz").parse(
    "$ORIGIN example.test.\n$TTL 60\n@ IN SOA ns hostmaster 1 2 3 4 5\n@ IN A 192.0.2.1\nwww IN CNAME @\n")
  return Responder(zones: [zone])
}()

func fuzzOne(_ data: UnsafeRawBufferPointer) {
  let bytes = Array(data)
  if let message = try? DNSMessage(decoding: bytes) {
    for record in message.answers + message.authority + message.additional { _ = DigOutput.line(record) }
    _ = DigOutput.message(message)
    _ = message.encoded()
  }
  _ = responder.respond(to: bytes, overUDP: true)
  _ = responder.respond(to: bytes, overUDP: false)
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
