import ServerCore
import Transport

/// A data-connection transfer the session asks the glue to carry out.
public struct FTPTransfer {
  /// What moves over the data connection.
  public enum Payload {
    /// RETR: part of a file, from `offset`, `length` bytes.
    case file(OpenFile, offset: Int, length: Int)
    /// LIST, NLST, MLSD: a listing made in memory.
    case bytes([UInt8])
    /// STOR, APPE, STOU: bytes from the client into an atomic upload.
    case upload(AtomicUpload)
  }

  public var payload: Payload
  /// TYPE A: convert line endings on the wire.
  public var ascii: Bool
  /// Where to connect for active mode (PORT/EPRT); nil means the passive listener's connection.
  public var activeTarget: SocketAddress?
  /// "RETR /docs/readme.txt", for the transfer log.
  public var summary: String
  /// PROT P: the data connection speaks TLS.
  public var protected = false
}

/// How a transfer ended, as the glue reports it back to the session.
public enum TransferOutcome: Equatable, Sendable {
  /// Every byte moved; the count is what crossed the data connection.
  case completed(bytes: Int)
  /// No data connection could be made (nobody connected, or connect failed).
  case connectionFailed
  /// The data connection broke before the end.
  case interrupted(bytes: Int)
  /// ABOR cut it.
  case aborted(bytes: Int)
  /// A local problem (a write to disk failed).
  case localError(String)
  /// The disk (or the account's quota) is full: RFC 959's 452, so clients know to retry later.
  case storageFull
}

/// What the session asks of the glue, in order.
public enum FTPAction {
  /// Send a reply on the control connection.
  case reply(FTPReply)
  /// Open a passive listener (PASV, or EPSV when `extended`) and report it with
  /// `passiveOpened(at:extended:)` or `passiveFailed()`.
  case openPassive(extended: Bool)
  /// Close any passive listener (an active-mode command replaced it).
  case closePassive
  /// Run a transfer and report with `transferFinished(_:)`.
  case startTransfer(FTPTransfer)
  /// Cut the transfer under way and report it with `transferFinished(.aborted)` before going on.
  case abortTransfer
  /// Wait this long before the next action (and before reading more commands).
  case pause(milliseconds: Int64)
  /// Close the control connection after sending what came before.
  case close
  /// Start TLS on the control connection once what came before (the 234) is sent.
  case startTLS
}
