// tcp-client: the TCP client recipe, one comment per step.
// Usage: tcp-client HOST PORT [MESSAGE]   (HOST is a numeric IPv4 address)
import Glibc

let arguments = CommandLine.arguments
guard arguments.count >= 3, let port = UInt16(arguments[2]) else {
  print("usage: tcp-client HOST PORT [MESSAGE]")
  exit(1)
}
let message = Array((arguments.count > 3 ? arguments[3] : "hello over TCP").utf8)

func fail(_ step: String) -> Never {
  perror(step)
  exit(1)
}

// 1. socket(): a TCP endpoint for IPv4.
let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
if fd < 0 { fail("socket") }

// 2. connect(): the three-way handshake with the server.
var address = sockaddr_in()
address.sin_family = sa_family_t(AF_INET)
address.sin_port = port.bigEndian
guard inet_pton(AF_INET, arguments[1], &address.sin_addr) == 1 else { fail("inet_pton") }
let connected = withUnsafePointer(to: &address) {
  $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
}
if connected < 0 { fail("connect") }

// 3. send(): the bytes go into the stream (send may take fewer than asked; loop until all are sent).
var sent = 0
while sent < message.count {
  let n = message[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
  if n <= 0 { fail("send") }
  sent += n
}

// 4. recv(): a stream has no message boundaries, so read until the whole echo is back.
var reply: [UInt8] = []
var buffer = [UInt8](repeating: 0, count: 4096)
while reply.count < message.count {
  let n = recv(fd, &buffer, buffer.count, 0)
  if n <= 0 { break }
  reply += buffer[0..<n]
}
print(String(decoding: reply, as: UTF8.self))

// 5. close(): release the connection.
close(fd)
