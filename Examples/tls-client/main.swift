// tls-client: the TLS client recipe over the TCP one, one comment per step.
// Usage: tls-client HOST PORT SERVERNAME [CAFILE] [PATH]   (HOST is a numeric IPv4 address)
// It fetches PATH (default /) over HTTPS and prints the response. Without CAFILE it trusts the
// system's certificate authorities.
import COpenSSL
import Glibc

let arguments = CommandLine.arguments
guard arguments.count >= 4, let port = UInt16(arguments[2]) else {
  print("usage: tls-client HOST PORT SERVERNAME [CAFILE] [PATH]")
  exit(1)
}
let serverName = arguments[3]
let path = arguments.count > 5 ? arguments[5] : "/"

func fail(_ step: String) -> Never {
  var reason = [CChar](repeating: 0, count: 256)
  ERR_error_string_n(ERR_get_error(), &reason, reason.count)
  let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  print("tls-client: \(step) failed: \(text) (errno \(errno))")
  exit(1)
}

// 1. socket() and connect(): the TCP connection TLS will run over, as in tcp-client.
let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
if fd < 0 { fail("socket") }
var address = sockaddr_in()
address.sin_family = sa_family_t(AF_INET)
address.sin_port = port.bigEndian
guard inet_pton(AF_INET, arguments[1], &address.sin_addr) == 1 else { fail("inet_pton") }
let connected = withUnsafePointer(to: &address) {
  $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
}
if connected < 0 { fail("connect") }

// 2. A TLS context that checks the server: its certificate must chain to a trusted CA...
guard let context = SSL_CTX_new(TLS_client_method()) else { fail("SSL_CTX_new") }
SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
let trusted = arguments.count > 4 ? SSL_CTX_load_verify_locations(context, arguments[4], nil) : SSL_CTX_set_default_verify_paths(context)
if trusted != 1 { fail("loading the trusted certificates") }
guard let ssl = SSL_new(context) else { fail("SSL_new") }
// ...and name the host we asked for (SNI tells the server which name; the check holds it to it).
SSL_set1_host(ssl, serverName)
_ = serverName.withCString { SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name), UnsafeMutableRawPointer(mutating: $0)) }

// 3. The handshake: OpenSSL reads and writes the socket itself here (SSL_set_fd); barenet's
//    server instead hands it bytes through memory, so its own loop keeps the socket.
SSL_set_fd(ssl, fd)
if SSL_connect(ssl) != 1 { fail("SSL_connect (the handshake)") }
print("; \(String(cString: SSL_get_version(ssl))) \(String(cString: SSL_CIPHER_get_name(SSL_get_current_cipher(ssl))))")

// 4. SSL_write(): plaintext in, encrypted records out on the socket.
let request = Array("GET \(path) HTTP/1.1\r\nHost: \(serverName)\r\nConnection: close\r\n\r\n".utf8)
if SSL_write(ssl, request, Int32(request.count)) <= 0 { fail("SSL_write") }

// 5. SSL_read(): records in, plaintext out, until the server's close_notify (0).
var buffer = [UInt8](repeating: 0, count: 16384)
var response: [UInt8] = []
while true {
  let n = SSL_read(ssl, &buffer, Int32(buffer.count))
  if n <= 0 { break }
  response += buffer[0..<Int(n)]
}
print(String(decoding: response, as: UTF8.self))

// 6. SSL_shutdown(): our close_notify, so the server knows the end was meant, not cut off.
SSL_shutdown(ssl)
SSL_free(ssl)
SSL_CTX_free(context)

// 7. close(): release the TCP connection.
close(fd)
