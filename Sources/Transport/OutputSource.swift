/// A piece of output for a connection to send: bytes in memory, or a range of an open file
/// (sent with `sendfile`, never copied through user space).
public enum OutputPiece {
  case bytes([UInt8])
  case file(OpenFile, offset: Int, length: Int)
}

/// Output produced on demand: the connection asks for the next pieces only once everything
/// queued before them is sent, so a body of any size is sent in constant memory.
public protocol OutputSource: AnyObject {
  /// The next pieces, or nil (or none) when the output is complete. Throwing cuts the
  /// connection: the receiver then sees a short body rather than a wrong one.
  func nextPieces() throws -> [OutputPiece]?
}
