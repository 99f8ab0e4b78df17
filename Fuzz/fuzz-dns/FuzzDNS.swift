// Fuzz target: the DNS message decoder, presentation of what it decodes, and the responder.
import DNS

/// A zone with every branch of the lookup: a cut with glue, a wildcard, a DNAME, a CNAME loop,
/// an empty non-terminal, MX and SRV for additional processing.
let responder: Responder = {
  let zone = try! ZoneFileParser(file: "fuzz").parse(
    """
    $ORIGIN example.test.
    $TTL 60
    @ IN SOA ns hostmaster 1 2 3 4 5
    @ IN NS ns
    @ IN A 192.0.2.1
    @ IN MX 10 mail
    ns IN A 192.0.2.53
    mail IN A 192.0.2.25
    www IN CNAME @
    sub IN NS ns.sub
    ns.sub IN A 192.0.2.100
    *.wild IN A 192.0.2.80
    *.cw IN CNAME www
    dn IN DNAME example.test.
    l1 IN CNAME l2
    l2 IN CNAME l1
    a.b.ent IN A 192.0.2.70
    _s._tcp IN SRV 0 0 80 www
    """)
  return Responder(zones: [zone], allowTransfer: [AddressPrefix("127.0.0.0/8")!])
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
    // Truncation drops whole RRsets: what is left must still be a message.
    if (try? DNSMessage(decoding: message.encoded(limit: 512))) == nil { fatalError("truncated message unreadable") }
  }
  _ = responder.respond(to: bytes, overUDP: true)
  _ = responder.respond(to: bytes, overUDP: false)
  _ = responder.respondOverTCP(to: bytes, from: "127.0.0.1")
}
