import FaultlineLocking
import Synchronization

/// Limits throughput with a token bucket per connection and, optionally, one shared by the whole proxy.
///
/// Chunks are cut into pieces of about 10 ms worth of bytes so the stream flows smoothly instead of in
/// bursts. A rate of 0 delivers nothing, as Toxiproxy's bandwidth toxic does.
final class BandwidthStage: BaseStage {
  private let rate: Double
  private let shared: SharedTokenBucket?
  /// When the connection's bucket has sent everything reserved so far.
  private var nextFree: UInt64 = 0
  private var held: [Chunk] = []
  private var pendingEnd: StreamEnd?
  private lazy var queue = TimedRelease(
    scheduler: context.scheduler,
    deliver: { [unowned self] in output?.receive($0) },
    deliverEnd: { [unowned self] in output?.receiveEnd($0) })

  init(context: StageContext, bandwidth: FaultKind.Bandwidth, shared: SharedTokenBucket?) {
    rate = bandwidth.bytesPerSecond
    self.shared = shared
    super.init(context: context)
  }

  override func receive(_ chunk: Chunk) {
    guard rate > 0 else {
      held.append(chunk)
      return
    }
    let pieceSize = max(1448, Int(rate / 100))
    var rest = chunk
    let now = MonotonicClock.now()
    var finished = false
    while !finished {
      let piece: Chunk
      if rest.count > pieceSize {
        piece = rest.splitPrefix(pieceSize)
      } else {
        piece = rest
        finished = true
      }
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
    queue.releaseAll()
    for chunk in held { output?.receive(chunk) }
    held.removeAll()
    if let pendingEnd { output?.receiveEnd(pendingEnd) }
    pendingEnd = nil
  }

  override func detach() { queue.cancelTimer() }
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
