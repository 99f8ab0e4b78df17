import CTransport

#if canImport(Glibc)
  import Glibc
#endif

/// A readable trace of one connection for `--trace`: one line per event, transport events
/// (accept, recv, send, half-close, close) and the application's own (request and status,
/// command and reply), each with the connection's number and the time since it opened.
public final class ConnectionTrace {
  /// "#7", or "#7.data" for an FTP data connection.
  public let label: String
  private let opened: Int64  // microseconds
  private let write: (String) -> Void

  public init(label: String, write: @escaping (String) -> Void) {
    self.label = label
    self.opened = MonotonicClock.microseconds()
    self.write = write
  }

  /// A trace for a connection that belongs to this one (an FTP data connection).
  public func child(_ suffix: String) -> ConnectionTrace {
    ConnectionTrace(label: label + "." + suffix, write: write)
  }

  /// One line: `#7 +0.412ms tcp  recv 78 bytes`.
  public func event(_ layer: String, _ text: String) {
    let micros = MonotonicClock.microseconds() - opened
    let fraction = String(micros % 1000)
    let time = "+\(micros / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)ms"
    let padded = layer.count >= 4 ? layer : layer + String(repeating: " ", count: 4 - layer.count)
    write("\(label) \(time) \(padded) \(text)")
  }
}
