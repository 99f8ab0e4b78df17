// Fuzz target: the DNS message decoder, presentation of what it decodes, and the responder.
import DNS

let responder: Responder = {
  let zone = try! ZoneFileParser(file: "fuzz").parse(
    "$ORIGIN example.test.\n$TTL 60\n@ IN SOA ns hostmaster 1 2 3 4 5\n@ IN A 192.0.2.1\nwww IN CNAME @\n")
  return Responder(zones: [zone])
}()

/// Called by FuzzSupport for each input: from libFuzzer, or when replaying kept inputs.
@_cdecl("barenet_fuzz_one")
func fuzzOne(_ start: UnsafePointer<UInt8>?, _ count: Int) {
  let data = UnsafeRawBufferPointer(start: start, count: count)
  let bytes = Array(data)
  if let message = try? DNSMessage(decoding: bytes) {
    for record in message.answers + message.authority + message.additional { _ = DigOutput.line(record) }
    _ = DigOutput.message(message)
    _ = message.encoded()
  }
  _ = responder.respond(to: bytes, overUDP: true)
  _ = responder.respond(to: bytes, overUDP: false)
}
