import FaultlineLocking
import Synchronization

/// Limits throughput with a token bucket per connection and, optionally, one shared by the whole proxy.
///
/// Chunks are cut into pieces of about 10 ms worth of bytes so the stream flows smoothly instead of in
/// bursts. A rate of 0 delivers nothing, as Toxiproxy's bandwidth toxic does.
final class BandwidthStage: QueuedStage {
  private let rate: Double
  /// About 10 ms worth of bytes, at least one segment.
  private let pieceSize: Int
  private let shared: SharedTokenBucket?
  /// When the connection's bucket has sent everything reserved so far.
  private var nextFree: UInt64 = 0
  private var held: [Chunk] = []
  private var pendingEnd: StreamEnd?

  init(context: StageContext, bandwidth: BandwidthFault, shared: SharedTokenBucket?) {
    rate = bandwidth.bytesPerSecond
    pieceSize = max(1448, Int(min(rate / 100, Double(Int32.max))))
    self.shared = shared
    super.init(context: context)
  }

  override func receive(_ chunk: Chunk) {
    guard rate > 0 else {
      held.append(chunk)
      return
    }
    let now = context.clock.now
    chunk.forEachPacket(ofSize: pieceSize) { piece in
      let start = max(now, nextFree)
      nextFree = start &+ UInt64(Double(piece.count) / rate * 1e9)
      var release = nextFree
      if let shared { release = max(release, shared.reserve(bytes: piece.count, now: now)) }
      queue.enqueue(piece, at: release)
    }
  }

  override func receiveEnd(_ end: StreamEnd) {
    if rate > 0 { queue.enqueueEnd(end, at: 0) } else { pendingEnd = end }
  }

  override func flush() {
    super.flush()
    for chunk in held { output?.receive(chunk) }
    held.removeAll()
    if let pendingEnd { output?.receiveEnd(pendingEnd) }
    pendingEnd = nil
  }
}

/// A token bucket shared by every connection of a proxy, across loop threads.
///
/// Each reservation books the next slot on a virtual clock: the bytes may leave when the clock has
/// moved past every earlier booking.
final class SharedTokenBucket: Sendable {
  let rate: Double
  private let nextFree = Locked<UInt64>(0)

  init(rate: Double) {
    self.rate = rate
  }

  /// Books `bytes` and returns when they may be sent.
  func reserve(bytes: Int, now: UInt64) -> UInt64 {
    nextFree.withLock { next in
      let start = max(now, next)
      next = start &+ UInt64(Double(bytes) / rate * 1e9)
      return next
    }
  }
}
