// calm-close: a calm close, shown from both ends.
//   calm-close server [--port N]   reads until the client shuts down its sending half, then
//                                  replies with what it counted, then closes.
//   calm-close client HOST PORT    sends, shuts down its write side with shutdown(SHUT_WR),
//                                  and still reads the server's reply to the end.
// The connection ends only when both sides have shut down their sending halves.
import Glibc

let arguments = CommandLine.arguments
func fail(_ step: String) -> Never {
  perror(step)
  exit(1)
}

func address(_ host: String, _ port: UInt16) -> sockaddr_in {
  var a = sockaddr_in()
  a.sin_family = sa_family_t(AF_INET)
  a.sin_port = port.bigEndian
  guard inet_pton(AF_INET, host, &a.sin_addr) == 1 else { fail("inet_pton") }
  return a
}

func readToEnd(_ fd: Int32) -> [UInt8] {
  var all: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 4096)
  while true {
    let n = recv(fd, &buffer, buffer.count, 0)
    if n <= 0 { return all }  // 0: the other side shut down its sending half (EOF)
    all += buffer[0..<n]
  }
}

if arguments.count >= 2 && arguments[1] == "server" {
  var port: UInt16 = 0
  if let i = arguments.firstIndex(of: "--port"), i + 1 < arguments.count { port = UInt16(arguments[i + 1]) ?? 0 }
  let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  var yes: Int32 = 1
  setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
  var a = address("127.0.0.1", port)
  let size = socklen_t(MemoryLayout<sockaddr_in>.size)
  guard
    withUnsafePointer(to: &a, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, size) } }) == 0
  else { fail("bind") }
  guard listen(server, 4) == 0 else { fail("listen") }
  var length = size
  _ = withUnsafeMutablePointer(to: &a) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(server, $0, &length) }
  }
  print("listening on port \(UInt16(bigEndian: a.sin_port))")
  fflush(nil)  // print is buffered when stdout is a pipe; let the reader see it now
  let client = accept(server, nil, nil)
  // Read until EOF: the client's shutdown(SHUT_WR) says "I will send nothing more".
  let received = readToEnd(client)
  // Our sending half is still open, so we can answer after the client stopped sending.
  let reply = Array("server got \(received.count) bytes after your shutdown".utf8)
  _ = send(client, reply, reply.count, Int32(MSG_NOSIGNAL))
  // Now we shut down our half too: the client reads EOF after our last byte. Then close.
  shutdown(client, Int32(SHUT_WR))
  _ = readToEnd(client)
  close(client)
  close(server)
} else if arguments.count >= 4 && arguments[1] == "client", let port = UInt16(arguments[3]) {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  var a = address(arguments[2], port)
  let size = socklen_t(MemoryLayout<sockaddr_in>.size)
  guard
    withUnsafePointer(to: &a, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) } }) == 0
  else { fail("connect") }
  let message = Array(String(repeating: "calm ", count: 1000).utf8)
  _ = send(fd, message, message.count, Int32(MSG_NOSIGNAL))
  // Half-close: no more sending from us, but the connection stays open for reading.
  shutdown(fd, Int32(SHUT_WR))
  // The reply still arrives in full; recv returns 0 only after the server's own shutdown.
  print(String(decoding: readToEnd(fd), as: UTF8.self))
  close(fd)
} else {
  print("usage: calm-close server [--port N] | calm-close client HOST PORT")
  exit(1)
}
