import HTTP
import Transport

/// An HTTP server running in the test process on 127.0.0.1 and a port the kernel picks.
public final class TestServer: @unchecked Sendable {
  public let group: ReactorGroup
  public let address: SocketAddress
  public var port: UInt16 { address.port }

  /// Starts serving `root` on `threads` loops, with `configure` adjusting the configuration.
  public init(
    root: String, threads: Int = 1, bind: String = "127.0.0.1",
    configure: (inout HTTPServerConfiguration) -> Void = { _ in }
  ) throws {
    var configuration = HTTPServerConfiguration(files: FileServerOptions(root: root))
    configuration.log = nil
    configure(&configuration)
    let first = try TCPListener(address: try SocketAddress(host: bind, port: 0), reusePort: true)
    var listeners = [first]
    for _ in 1..<threads { listeners.append(try TCPListener(address: first.address, reusePort: true)) }
    address = first.address
    let frozen = listeners
    let settings = configuration
    group = try ReactorGroup(count: threads) { reactor, index in
      try HTTPServer(listener: frozen[index], reactor: reactor, configuration: settings).stopping
    }
  }

  /// Stops gracefully and waits for the loops to end.
  public func stop() {
    group.stop()
    group.wait()
  }

  /// "http://127.0.0.1:PORT" + path.
  public func url(_ path: String) -> String {
    "http://\(address)\(path)"
  }
}
