/// Holds each segment of the stream for `delay` ± `jitter` (in the chosen distribution), keeping order.
///
/// Delays are drawn per 1448-byte segment of the stream, so the same seed gives the same delays however
/// the reads were split. A segment never overtakes the one before it: with jitter, a short delay behind a
/// long one waits for it, as TCP does.
final class LatencyStage: BaseStage {
  private var sampler: DelaySampler
  private let cursor = SegmentCursor(segmentSize: 1448)
  private var generator: SplitMix64
  private var currentSegment: UInt64 = .max
  private var currentDelay: UInt64 = 0
  private lazy var queue = TimedRelease(
    scheduler: context.scheduler,
    deliver: { [unowned self] in output?.receive($0) },
    deliverEnd: { [unowned self] in output?.receiveEnd($0) })

  init(context: StageContext, latency: FaultKind.Latency) {
    sampler = DelaySampler(latency)
    generator = context.key.derived("latency").generator()
    super.init(context: context)
  }

  override func receive(_ chunk: Chunk) {
    for piece in cursor.pieces(of: chunk) {
      if piece.segment != currentSegment {
        currentSegment = piece.segment
        currentDelay = sampler.next(uniform: generator.next().unitInterval).nanoseconds
      }
      let release = queue.enqueue(piece.chunk, at: piece.chunk.arrival &+ currentDelay)
      if piece.startsSegment {
        context.log(
          "delay", bytes: piece.chunk.count, offset: piece.chunk.streamOffset,
          value: Double(release &- piece.chunk.arrival) / 1_000_000)
      }
    }
  }

  override func receiveEnd(_ end: StreamEnd) {
    // A FIN or RST crosses the same slow network as the data before it.
    queue.enqueueEnd(end, at: MonotonicClock.now() &+ currentDelay)
  }

  override func flush() { queue.releaseAll() }
  override func detach() { queue.cancelTimer() }
}
