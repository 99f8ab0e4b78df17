import ServerCore
import Transport

#if canImport(Glibc)
  import Glibc
#endif

/// Moves one transfer's bytes over its data connection, and says how it ended.
///
/// Files go by `sendfile` in TYPE I; TYPE A and uploads pass through `ASCIIConversion`. An
/// upload is complete only when the client closes the data connection (EOF) — anything else is
/// an interrupted transfer, and the session then discards it.
final class DataTransfer: TCPConnectionDelegate {
  private let transfer: FTPTransfer
  private let report: (TransferOutcome) -> Void
  private var connection: TCPConnection?
  private var conversion = ASCIIConversion()
  private var finished = false
  /// Payload bytes that crossed the data connection.
  private var moved = 0
  /// For TYPE A sends: how far into the file we have read.
  private var nextOffset = 0
  private var expectedTotal = 0
  private var sourceDone = false
  /// Cut the connection after this long without progress.
  static let stallMilliseconds: Int64 = 60_000
  static let chunk = 64 * 1024

  init(_ transfer: FTPTransfer, report: @escaping (TransferOutcome) -> Void) {
    self.transfer = transfer
    self.report = report
  }

  /// Starts moving bytes on `connection`.
  func begin(on connection: TCPConnection) {
    self.connection = connection
    connection.delegate = self
    connection.writeStallMilliseconds = Self.stallMilliseconds
    connection.deadline = connection.reactor.now + Self.stallMilliseconds
    switch transfer.payload {
    case .bytes(let bytes):
      expectedTotal = bytes.count
      connection.write(bytes)
      sourceDone = true
      finishSending()
    case .file(let file, let offset, let length):
      if transfer.ascii {
        nextOffset = offset
        expectedTotal = 0
        pump()
      } else {
        expectedTotal = length
        connection.write(file: file, offset: offset, length: length)
        sourceDone = true
        finishSending()
      }
    case .upload:
      // The client may have sent (and even closed) before the transfer was set up.
      if !connection.input.isEmpty { connectionDidReceive(connection) }
      if connection.hasReachedEOF { connectionDidReachEOF(connection) }
    }
  }

  /// TYPE A file sends: read, convert and queue the file in chunks as the peer drains them.
  private func pump() {
    guard let connection, case .file(let file, let offset, let length) = transfer.payload else { return }
    while !finished && !sourceDone && connection.queuedBytes < TCPConnection.highWater {
      let end = offset + length
      let count = min(Self.chunk, end - nextOffset)
      guard count > 0, let bytes = file.read(offset: nextOffset, length: count), !bytes.isEmpty else {
        sourceDone = true
        break
      }
      nextOffset += bytes.count
      let converted = conversion.toNetwork(bytes)
      expectedTotal += converted.count
      connection.write(converted)
      if nextOffset >= end { sourceDone = true }
      connection.flush()
    }
    if sourceDone { finishSending() }
  }

  private func finishSending() {
    guard let connection else { return }
    connection.closeAfterWrites()
    connection.flush()
  }

  /// ABOR: cut the connection and report.
  func abort() {
    guard !finished else { return }
    end(.aborted(bytes: moved))
    connection?.abort()
  }

  private func end(_ outcome: TransferOutcome) {
    guard !finished else { return }
    finished = true
    report(outcome)
  }

  // MARK: TCPConnectionDelegate

  func connectionDidReceive(_ c: TCPConnection) {
    guard case .upload(let upload) = transfer.payload else {
      c.input.consume(c.input.count)  // a client has nothing to send on a download
      return
    }
    let ok = c.input.withUnsafeBytes { raw -> Bool in
      moved += raw.count
      return transfer.ascii ? upload.write(conversion.fromNetwork(raw)) : upload.write(raw)
    }
    c.input.consume(c.input.count)
    c.deadline = c.reactor.now + Self.stallMilliseconds
    if !ok {
      let full = errno == ENOSPC || errno == EDQUOT
      end(full ? .storageFull : .localError("could not write the file: \(String(cString: strerror(errno)))"))
      c.abort()
    }
  }

  func connectionDidDrain(_ c: TCPConnection) {
    c.deadline = c.reactor.now + Self.stallMilliseconds
    if transfer.ascii && !sourceDone { pump() }
  }

  func connectionDidReachEOF(_ c: TCPConnection) {
    guard case .upload(let upload) = transfer.payload else { return }
    if transfer.ascii && !upload.write(conversion.finishFromNetwork()) {
      end(.localError("could not write the file"))
    } else {
      end(.completed(bytes: moved))
    }
    c.closeAfterWrites()
  }

  func connectionDeadlinePassed(_ c: TCPConnection) {
    end(.interrupted(bytes: moved))
    c.abort()
  }

  func connectionShouldFinish(_ c: TCPConnection) {}

  func connectionDidClose(_ c: TCPConnection) {
    if case .upload = transfer.payload {
      end(.interrupted(bytes: moved))  // closed without a clean EOF
      return
    }
    moved = c.bytesSent
    end(sourceDone && c.bytesSent >= expectedTotal ? .completed(bytes: moved) : .interrupted(bytes: moved))
  }
}
