import Glibc

/// Runs `body` on the contents of every file named on the command line.
///
/// A fuzz target built without `-sanitize=fuzzer` is a replayer: the tests run it over the
/// inputs kept in fixtures/fuzz, so every crash ever found stays fixed.
public func replayFiles(_ body: (UnsafeRawBufferPointer) -> Void) {
  for path in CommandLine.arguments.dropFirst() {
    guard let file = fopen(path, "rb") else {
      perror(path)
      exit(2)
    }
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = fread(&chunk, 1, chunk.count, file)
      if n <= 0 { break }
      data += chunk[0..<n]
    }
    fclose(file)
    data.withUnsafeBytes(body)
  }
}
