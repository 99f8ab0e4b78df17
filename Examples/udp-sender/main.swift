// udp-sender: the UDP sender recipe, one comment per step.
// Usage: udp-sender HOST PORT [MESSAGE]   (HOST is a numeric IPv4 address)
import Glibc

let arguments = CommandLine.arguments
guard arguments.count >= 3, let port = UInt16(arguments[2]) else {
  print("usage: udp-sender HOST PORT [MESSAGE]")
  exit(1)
}
let message = Array((arguments.count > 3 ? arguments[3] : "hello over UDP").utf8)

func fail(_ step: String) -> Never {
  perror(step)
  exit(1)
}

// 1. socket(): a UDP endpoint for IPv4.
let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
if fd < 0 { fail("socket") }

// 2. sendto(): one datagram to the receiver's address; no handshake, no connection, and no
//    promise that it arrives.
var address = sockaddr_in()
address.sin_family = sa_family_t(AF_INET)
address.sin_port = port.bigEndian
guard inet_pton(AF_INET, arguments[1], &address.sin_addr) == 1 else { fail("inet_pton") }
let sent = withUnsafePointer(to: &address) {
  $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
    sendto(fd, message, message.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
  }
}
if sent < 0 { fail("sendto") }
print("sent \(sent) bytes")

// 3. close(): release the socket.
close(fd)
