// tcp-server: the TCP server recipe, one comment per step, as an echo server.
// Usage: tcp-server [--port N]   (port 0, the default, lets the kernel pick; the port is printed)
import Glibc

var port: UInt16 = 0
if let i = CommandLine.arguments.firstIndex(of: "--port"), i + 1 < CommandLine.arguments.count {
  port = UInt16(CommandLine.arguments[i + 1]) ?? 0
}

func fail(_ step: String) -> Never {
  perror(step)
  exit(1)
}

// 1. socket(): a TCP endpoint (SOCK_STREAM) for IPv4.
let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
if server < 0 { fail("socket") }
var yes: Int32 = 1
setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))

// 2. bind(): attach it to 127.0.0.1 and the port.
var address = sockaddr_in()
address.sin_family = sa_family_t(AF_INET)
address.sin_port = port.bigEndian
address.sin_addr.s_addr = inet_addr("127.0.0.1")
let bound = withUnsafePointer(to: &address) {
  $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
}
if bound < 0 { fail("bind") }

// 3. listen(): turn it into a socket that takes connections.
if listen(server, 16) < 0 { fail("listen") }
var length = socklen_t(MemoryLayout<sockaddr_in>.size)
_ = withUnsafeMutablePointer(to: &address) {
  $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(server, $0, &length) }
}
print("listening on port \(UInt16(bigEndian: address.sin_port))")
fflush(nil)  // print is buffered when stdout is a pipe; let the reader see it now

while true {
  // 4. accept(): wait for the next client; a new socket for this connection.
  let client = accept(server, nil, nil)
  if client < 0 { continue }
  var buffer = [UInt8](repeating: 0, count: 4096)
  while true {
    // 5. recv(): read what the client sent (0 means it closed its side).
    let n = recv(client, &buffer, buffer.count, 0)
    if n <= 0 { break }
    // 6. send(): echo it back.
    _ = send(client, buffer, n, Int32(MSG_NOSIGNAL))
  }
  // 7. close(): done with this client; back to accept() for the next one.
  close(client)
}
