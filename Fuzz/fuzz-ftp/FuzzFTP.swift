// Fuzz target: the FTP command-line splitter and command parser, then a session fed the commands.
import FTP
import ServerCore
import Transport

/// Called by FuzzSupport for each input: from libFuzzer, or when replaying kept inputs.
@_cdecl("barenet_fuzz_one")
func fuzzOne(_ start: UnsafePointer<UInt8>?, _ count: Int) {
  let data = UnsafeRawBufferPointer(start: start, count: count)
  // A fresh session over a folder that does not exist, so inputs are reproducible and no file is
  // ever touched: what is fuzzed is the parsing and the state machine.
  let session = FTPSession(
    jail: PathResolver(root: "/nonexistent-barenet-fuzz", allowDotfiles: false), options: FTPSessionOptions(),
    peer: try! SocketAddress(host: "127.0.0.1", port: 40000), local: try! SocketAddress(host: "127.0.0.1", port: 21))
  var splitter = CommandLineSplitter(limit: 512)
  var rest = Array(data)[...]
  var rounds = 0
  while !rest.isEmpty && rounds < 10_000 {
    rounds += 1
    let (line, consumed) = splitter.next(rest)
    rest = rest.dropFirst(consumed)
    if case .line(let text)? = line, let command = FTPCommand(line: text) {
      // Never log in with a password here (hashing is slow): anonymous only.
      if command.verb != "PASS" || text.count < 40 { _ = session.handle(command) }
    }
    if line == nil && consumed == 0 { break }
  }
}
