/// Holds each packet for `delay` ± `jitter` (in the chosen distribution), keeping order.
///
/// A packet is what one read brought, cut at 1448 bytes (a TCP segment on a 1500-byte MTU), so each
/// small message gets its own draw as it would on the wire. Draws come from the connection's seeded
/// stream in order. A packet never overtakes the one before it: with jitter, a short delay behind a
/// long one waits for it, as TCP does. Timing depends on the draws; the bytes never do.
final class LatencyStage: QueuedStage {
  private var sampler: DelaySampler
  private var generator: SplitMix64
  private var lastDelay: UInt64 = 0

  init(context: StageContext, latency: LatencyFault) {
    sampler = DelaySampler(latency)
    generator = context.key.derived("latency").generator()
    lastDelay = latency.delay.nanoseconds
    super.init(context: context)
  }

  override func receive(_ chunk: Chunk) {
    let logging = context.isLogging
    var packets = 0
    chunk.forEachPacket(ofSize: 1448) { packet in
      packets += 1
      lastDelay = sampler.next(uniform: generator.next().unitInterval).nanoseconds
      let release = queue.enqueue(packet, at: packet.arrival &+ lastDelay)
      if logging {
        context.record(
          "delay", bytes: packet.count, offset: packet.streamOffset,
          value: Double(release &- packet.arrival) / 1_000_000, arrival: packet.arrival)
      }
    }
    context.countActions(packets)
  }

  override func receiveEnd(_ end: StreamEnd) {
    // A FIN or RST crosses the same slow network as the data before it.
    queue.enqueueEnd(end, at: context.clock.now &+ lastDelay)
  }
}
