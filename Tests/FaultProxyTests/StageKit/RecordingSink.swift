@testable import FaultProxy

/// The end of a stage chain in a test: records each chunk released, with its bytes and the clock's
/// time, and how the stream ended.
final class RecordingSink: ChunkSink {
  /// A chunk as it left the stage.
  struct Release: Equatable {
    var time: UInt64
    var bytes: [UInt8]
    var streamOffset: UInt64
    var arrival: UInt64
  }

  let clock: ManualClock
  private(set) var releases: [Release] = []
  /// Every end received, with its time; a well-behaved stage sends at most one.
  private(set) var ends: [(time: UInt64, end: StreamEnd)] = []

  init(clock: ManualClock) {
    self.clock = clock
  }

  func receive(_ chunk: Chunk) {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: chunk.pointer, count: chunk.count))
    releases.append(
      Release(
        time: clock.now, bytes: bytes, streamOffset: chunk.streamOffset, arrival: chunk.arrival))
  }

  func receiveEnd(_ end: StreamEnd) {
    ends.append((clock.now, end))
  }

  /// Every byte released, in order.
  var bytes: [UInt8] { releases.flatMap(\.bytes) }
  var releaseTimes: [UInt64] { releases.map(\.time) }
  var sizes: [Int] { releases.map(\.bytes.count) }
  /// The stream's end and when it was released, if it was.
  var end: (time: UInt64, end: StreamEnd)? { ends.first }
}
