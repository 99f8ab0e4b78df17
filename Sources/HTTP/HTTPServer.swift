import ServerCore
import Transport

/// Everything an HTTP server needs to start, shared (read-only) by all event loops.
public struct HTTPServerConfiguration: Sendable {
  public var files: FileServerOptions
  public var timeouts = HTTPTimeouts()
  public var maxConnections = 10_000
  /// Basic authentication (`--auth`); nil for none.
  public var auth: HTTPAuth?
  /// The cap on connections from one client address, shared by every loop; nil for none.
  public var perClient: PeerLimit?
  /// Where access log lines go; nil for none.
  public var log: LogSink? = .standardOutput
  /// Where `--trace` lines go; nil for no tracing.
  public var trace: LogSink?
  /// For an HTTPS listener: the TLS session of each new connection.
  public var secureChannel: (@Sendable (TCPConnection) -> SecureChannel?)?

  public init(files: FileServerOptions) {
    self.files = files
  }
}

/// One event loop's HTTP server: a `TCPServer` on the loop's listener whose connections are
/// driven by `HTTPConnectionHandler`, with the loop's own planner, log buffer and date cache.
public final class HTTPServer {
  public let tcp: TCPServer
  private let log: LineLog

  /// Builds the server on `reactor`, accepting on `listener`.
  public init(listener: TCPListener, reactor: Reactor, configuration: HTTPServerConfiguration) throws {
    let service = try FileService(options: configuration.files)
    let log = LineLog(sink: configuration.log)
    let dates = DateCache()
    let timeouts = configuration.timeouts
    let authCache = configuration.auth.map(AuthCache.init)
    let scratch = HTTPConnectionHandler.ActionScratch()
    self.log = log
    tcp = try TCPServer(listener: listener, reactor: reactor, maxConnections: configuration.maxConnections) {
      connection in
      connection.writeStallMilliseconds = timeouts.writeStall
      return HTTPConnectionHandler(
        service: service, log: log, dates: dates, timeouts: timeouts, auth: authCache, scratch: scratch)
    }
    tcp.peerLimit = configuration.perClient
    tcp.secureChannel = configuration.secureChannel
    tcp.readAtOnce = true
    tcp.refusal = {
      let response = Response.error(.serviceUnavailable, [("Retry-After", "5")])
      var message = response.serializedHead(date: dates.httpDate, connection: "close")
      for case .bytes(let bytes) in response.body { message += bytes }
      return message
    }
    tcp.attach(log: log, trace: configuration.trace, on: reactor)
  }

  /// How this server stops within a `ReactorGroup`: stop accepting, let connections finish.
  public var stopping: ReactorGroup.Stopping {
    tcp.stopping(flushing: log)
  }
}
