// udp-receiver: the UDP receiver recipe, one comment per step.
// Usage: udp-receiver [--port N] [--count N]   (prints each datagram; stops after --count of them)
import Glibc

var port: UInt16 = 0
var count = Int.max
let arguments = CommandLine.arguments
if let i = arguments.firstIndex(of: "--port"), i + 1 < arguments.count { port = UInt16(arguments[i + 1]) ?? 0 }
if let i = arguments.firstIndex(of: "--count"), i + 1 < arguments.count { count = Int(arguments[i + 1]) ?? 1 }

func fail(_ step: String) -> Never {
  perror(step)
  exit(1)
}

// 1. socket(): a UDP endpoint (SOCK_DGRAM) for IPv4. No connection will ever exist.
let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
if fd < 0 { fail("socket") }

// 2. bind(): the address and port where datagrams will arrive.
var address = sockaddr_in()
address.sin_family = sa_family_t(AF_INET)
address.sin_port = port.bigEndian
address.sin_addr.s_addr = inet_addr("127.0.0.1")
let bound = withUnsafePointer(to: &address) {
  $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
}
if bound < 0 { fail("bind") }
var length = socklen_t(MemoryLayout<sockaddr_in>.size)
_ = withUnsafeMutablePointer(to: &address) {
  $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
}
print("listening on port \(UInt16(bigEndian: address.sin_port))")
fflush(nil)  // print is buffered when stdout is a pipe; let the reader see it now

var buffer = [UInt8](repeating: 0, count: 65_535)
for _ in 0..<count {
  // 3. recvfrom(): one whole datagram, and who sent it (every datagram stands alone).
  var sender = sockaddr_in()
  var senderLength = socklen_t(MemoryLayout<sockaddr_in>.size)
  let n = withUnsafeMutablePointer(to: &sender) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &senderLength) }
  }
  if n < 0 { fail("recvfrom") }
  var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
  inet_ntop(AF_INET, &sender.sin_addr, &text, socklen_t(text.count))
  let from = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  print("from \(from):\(UInt16(bigEndian: sender.sin_port)): \(String(decoding: buffer[0..<n], as: UTF8.self))")
  fflush(nil)  // print is buffered when stdout is a pipe; let the reader see it now
}

// 4. close(): release the socket.
close(fd)
