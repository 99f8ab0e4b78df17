import Glibc
import Testing

@testable import Transport

/// The output queue with no socket: what goes out next, partial sends, sources, accounting.
@Suite struct OutputQueueTests {
  /// The bytes the front run's vectors point at, as `writev` would send them.
  func gathered(_ queue: OutputQueue) -> [UInt8] {
    queue.withGatheredBytes { vectors in
      vectors.flatMap { Array(UnsafeRawBufferPointer(start: $0.iov_base, count: $0.iov_len)) }
    }
  }

  final class Pieces: OutputSource {
    var rounds: [[OutputPiece]]
    init(_ rounds: [[OutputPiece]]) { self.rounds = rounds }
    func nextPieces() throws -> [OutputPiece]? { rounds.isEmpty ? nil : rounds.removeFirst() }
  }

  @Test func byteRunsGoTogetherAndPartialSendsResumeMidChunk() {
    var queue = OutputQueue()
    queue.append(Array("head".utf8))
    queue.append([])
    queue.append(Array("body".utf8))
    #expect(queue.byteCount == 8)
    guard case .bytes(let fileFollows) = queue.front else {
      Issue.record("no bytes in front")
      return
    }
    #expect(!fileFollows)
    #expect(gathered(queue) == Array("headbody".utf8))
    queue.advance(by: 6)
    #expect(queue.byteCount == 2)
    #expect(gathered(queue) == Array("dy".utf8))
    queue.advance(by: 2)
    #expect(queue.isEmpty)
    guard case .empty = queue.front else {
      Issue.record("not empty")
      return
    }
  }

  @Test func aFileAfterBytesIsAnnouncedAndSentFromWhereItGotTo() throws {
    let file = try #require(OpenFile(path: "/proc/self/exe"))
    var queue = OutputQueue()
    queue.append(Array("head".utf8))
    queue.append(file: file, offset: 100, length: 50)
    guard case .bytes(fileFollows: true) = queue.front else {
      Issue.record("file not announced")
      return
    }
    queue.advance(by: 4 + 20)
    guard case .file(_, let offset, let length) = queue.front else {
      Issue.record("no file in front")
      return
    }
    #expect(offset == 120 && length == 30)
    #expect(queue.byteCount == 30)
  }

  @Test func aSourceIsAskedOnlyWhenItReachesTheFrontAndDroppedWhenDone() {
    var queue = OutputQueue()
    let source = Pieces([[.bytes(Array("a".utf8)), .bytes([])], []])
    queue.append(Array("x".utf8))
    queue.append(source: source)
    queue.append(Array("z".utf8))
    #expect(queue.byteCount == 2)  // the source's bytes count once produced
    queue.advance(by: 1)
    guard case .source = queue.front else {
      Issue.record("no source in front")
      return
    }
    queue.expandFront(with: try? source.nextPieces())
    #expect(queue.byteCount == 2)
    #expect(gathered(queue) == Array("a".utf8))
    queue.advance(by: 1)
    queue.expandFront(with: try? source.nextPieces())  // an empty round: the source is done
    #expect(gathered(queue) == Array("z".utf8))
    queue.advance(by: 1)
    #expect(queue.isEmpty && queue.byteCount == 0)
  }

  @Test func aLongQueueIsCompactedAndAtMostSixtyFourBuffersGoInOneWritev() {
    var queue = OutputQueue()
    for _ in 0..<100 { queue.append([1, 2]) }
    #expect(queue.withGatheredBytes { $0.count } == OutputQueue.maximumGather)
    queue.advance(by: 2 * 40)
    #expect(queue.chunks.count == 60)  // sent slots given back
    #expect(queue.byteCount == 120)
    queue.removeAll()
    #expect(queue.isEmpty && queue.byteCount == 0)
  }
}
