import ServerCore
import Synchronization
import Transport

/// Everything an FTP server needs to start, shared (read-only) by all event loops.
public struct FTPServerConfiguration: Sendable {
  /// The folder to serve.
  public var root: String
  public var session = FTPSessionOptions()
  /// Ports for passive data connections; nil lets the kernel pick any free port.
  public var passivePorts: ClosedRange<UInt16>?
  /// Seconds without a command before an idle session gets 421 and is closed.
  public var idleTimeout: Int64 = 300
  /// Sessions open at once across all loops; more get 421.
  public var maxSessions = 200
  /// The cap on sessions from one client address, shared by every loop; nil for none.
  public var perClient: PeerLimit?
  /// Where command and transfer log lines go; nil for none.
  public var log: LogSink? = .standardOutput
  /// Where `--trace` lines go; nil for no tracing.
  public var trace: LogSink?
  /// With a certificate (explicit FTPS): the TLS session of a control connection after AUTH TLS,
  /// and of a data connection after PROT P.
  public var controlChannel: (@Sendable (TCPConnection) -> SecureChannel?)?
  public var dataChannel: (@Sendable (TCPConnection) -> SecureChannel?)?

  public init(root: String) {
    self.root = root
  }
}

/// Counts sessions across every loop, for the session limit.
public final class SessionCounter: Sendable {
  let count = Atomic<Int>(0)
  public init() {}
}

/// One event loop's FTP server: a `TCPServer` whose connections are driven by
/// `FTPControlHandler`.
public final class FTPServer {
  public let tcp: TCPServer
  private let log: LineLog

  /// Builds the server on `reactor`, accepting control connections on `listener`.
  public init(
    listener: TCPListener, reactor: Reactor, configuration: FTPServerConfiguration, sessions: SessionCounter
  ) throws {
    let log = LineLog(sink: configuration.log)
    self.log = log
    var resolver = PathResolver(root: configuration.root, allowDotfiles: configuration.session.dotfiles)
    if let real = try? resolver.contained(configuration.root) {
      resolver = PathResolver(root: real, allowDotfiles: configuration.session.dotfiles)
    }
    let jail = resolver
    tcp = try TCPServer(listener: listener, reactor: reactor, maxConnections: configuration.maxSessions + 16) {
      connection in
      FTPControlHandler(
        connection: connection, jail: jail, configuration: configuration, sessions: sessions, log: log)
    }
    tcp.peerLimit = configuration.perClient
    tcp.refusal = { Array("421 Too many connections from your address; try again later.\r\n".utf8) }
    tcp.attach(log: log, trace: configuration.trace, on: reactor)
  }

  /// How this server stops within a `ReactorGroup`: stop accepting, let sessions finish.
  public var stopping: ReactorGroup.Stopping {
    tcp.stopping(flushing: log)
  }
}
