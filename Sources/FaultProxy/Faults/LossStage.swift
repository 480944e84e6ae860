/// Loses segments of the stream, as a lossy link would, in one of two ways.
///
/// `retransmit` (default) is what a TCP application sees: a lost segment arrives one retransmission
/// timeout late (doubling for each retransmission lost again), and everything behind it waits.
/// `discard` removes the segment's bytes from the stream, corrupting it on purpose.
/// In `discard` mode decisions are keyed to the stream's segments (byte offset / segment size), so the
/// same seed removes the same bytes however the reads were split. In `retransmit` mode each packet (a read
/// cut at the segment size) gets its own draw, as each small message is its own packet on the wire; the
/// bytes delivered are the same whatever the draws.
final class LossStage: QueuedStage {
  private let loss: FaultKind.Loss
  private var decider: LossDecider
  private var generator: SplitMix64
  private let cursor: SegmentCursor
  private var currentSegment: UInt64 = .max
  /// Extra wait of the current segment: 0 when delivered first time.
  private var currentStall: UInt64 = 0
  private var currentLost = false

  init(context: StageContext, loss: FaultKind.Loss) {
    self.loss = loss
    decider = LossDecider(loss)
    generator = context.key.derived("loss").generator()
    cursor = SegmentCursor(segmentSize: loss.segmentSize)
    super.init(context: context)
  }

  override func receive(_ chunk: Chunk) {
    switch loss.mode {
    case .discard:
      cursor.forEachPiece(of: chunk) { piece, segment in
        if segment != currentSegment {
          currentSegment = segment
          decide(offset: piece.streamOffset, arrival: piece.arrival)
        }
        if currentLost {
          context.discarded(piece.count)
        } else {
          queue.enqueue(piece, at: 0)
        }
      }
    case .retransmit:
      chunk.forEachPacket(ofSize: loss.segmentSize) { packet in
        decide(offset: packet.streamOffset, arrival: packet.arrival)
        queue.enqueue(packet, at: packet.arrival &+ currentStall)
      }
    }
  }

  private func decide(offset: UInt64, arrival: UInt64) {
    currentStall = 0
    currentLost = decider.isLost(draw: generator.next())
    guard currentLost else { return }
    switch loss.mode {
    case .discard:
      context.log("drop", bytes: loss.segmentSize, offset: offset, arrival: arrival)
    case .retransmit:
      // Each lost retransmission doubles the timeout, as TCP's exponential backoff does.
      var timeout = loss.retransmissionTimeout.nanoseconds
      currentStall = timeout
      var attempts = 1
      while attempts < 15 && decider.isLost(draw: generator.next()) {
        timeout &*= 2
        currentStall &+= timeout
        attempts += 1
      }
      context.log(
        "stall", bytes: loss.segmentSize, offset: offset, value: Double(currentStall) / 1_000_000,
        arrival: arrival)
    }
  }

  override func receiveEnd(_ end: StreamEnd) {
    queue.enqueueEnd(end, at: 0)
  }

}
