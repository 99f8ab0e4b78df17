import FTP
import ServerCore
import Transport

/// An FTP server running in the test process on 127.0.0.1 and a port the kernel picks, with an
/// account `alice`/`wonderland` that may write and `bob`/`builder` that may only read.
public final class FTPTestServer: @unchecked Sendable {
  public let group: ReactorGroup
  public let address: SocketAddress
  public var port: UInt16 { address.port }

  public static let users: UsersFile = {
    var file = UsersFile()
    file.set(Account(name: "alice", hash: PasswordHash.make("wonderland")!, canWrite: true))
    file.set(Account(name: "bob", hash: PasswordHash.make("builder")!, canWrite: false))
    return file
  }()

  public init(root: String, configure: (inout FTPServerConfiguration) -> Void = { _ in }) throws {
    var configuration = FTPServerConfiguration(root: root)
    configuration.log = nil
    configuration.session.users = Self.users
    configuration.session.loginFailureDelay = 200
    configure(&configuration)
    let listener = try TCPListener(address: try SocketAddress(host: "127.0.0.1", port: 0))
    address = listener.address
    let settings = configuration
    let sessions = SessionCounter()
    group = try ReactorGroup(count: 1) { reactor, _ in
      try FTPServer(listener: listener, reactor: reactor, configuration: settings, sessions: sessions).stopping
    }
  }

  public func stop() {
    group.stop()
    group.wait()
  }

  /// "ftp://127.0.0.1:PORT" + path, with optional credentials.
  public func url(_ path: String, user: String? = nil) -> String {
    "ftp://\(user.map { $0 + "@" } ?? "")\(address)\(path)"
  }
}
