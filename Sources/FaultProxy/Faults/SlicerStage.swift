/// Cuts chunks into small pieces of `averageSize` ± `sizeVariation` bytes sent `delay` apart, as
/// Toxiproxy's slicer toxic does. Piece sizes come from the seeded stream in stream order.
final class SlicerStage: QueuedStage {
  private let slicer: SlicerFault
  private var generator: SplitMix64

  init(context: StageContext, slicer: SlicerFault) {
    self.slicer = slicer
    generator = context.key.derived("slicer").generator()
    super.init(context: context)
  }

  private func nextSize() -> Int {
    guard slicer.sizeVariation > 0 else { return max(1, slicer.averageSize) }
    let span = UInt64(2 * slicer.sizeVariation + 1)
    let offset = Int(generator.next() % span) - slicer.sizeVariation
    return max(1, slicer.averageSize + offset)
  }

  override func receive(_ chunk: Chunk) {
    var rest = chunk
    var release = max(context.clock.now, queue.lastRelease)
    let gap = slicer.delay.nanoseconds
    while true {
      let size = nextSize()
      if size >= rest.count {
        queue.enqueue(rest, at: release)
        break
      }
      queue.enqueue(rest.splitPrefix(size), at: release)
      release &+= gap
    }
  }

  override func receiveEnd(_ end: StreamEnd) { queue.enqueueEnd(end, at: 0) }
}
