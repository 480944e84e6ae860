/// A FIFO of chunks and stream ends, each released at its own time but never before the one ahead of it.
///
/// Order is always kept, which is what TCP shows an application: a late segment holds back everything
/// behind it. One precise timer is armed for the head of the queue. Loop-confined.
final class TimedRelease {
  private enum Item {
    case chunk(Chunk)
    case end(StreamEnd)
  }

  private var items: [(release: UInt64, item: Item)] = []
  private var head = 0
  private var timer: StageClock.Token?
  private let clock: any StageClock
  private let deliver: (Chunk) -> Void
  private let deliverEnd: (StreamEnd) -> Void
  /// The release time of the last item queued; later items never leave before it.
  private(set) var lastRelease: UInt64 = 0

  init(
    clock: any StageClock, deliver: @escaping (Chunk) -> Void,
    deliverEnd: @escaping (StreamEnd) -> Void
  ) {
    self.clock = clock
    self.deliver = deliver
    self.deliverEnd = deliverEnd
  }

  var isEmpty: Bool { head == items.count }

  /// Queues `chunk` for `release` (or later, to keep order); returns the effective release time.
  @discardableResult
  func enqueue(_ chunk: Chunk, at release: UInt64) -> UInt64 {
    enqueue(.chunk(chunk), at: release)
  }

  @discardableResult
  func enqueueEnd(_ end: StreamEnd, at release: UInt64) -> UInt64 {
    enqueue(.end(end), at: release)
  }

  private func enqueue(_ item: Item, at release: UInt64) -> UInt64 {
    let effective = max(release, lastRelease)
    lastRelease = effective
    if isEmpty && (effective == 0 || effective <= clock.now) {
      // Nothing ahead and already due (a segment that was not lost, an end released at once):
      // straight on, without a timer and a loop turn.
      send(item)
      return effective
    }
    items.append((effective, item))
    if timer == nil { arm() }
    return effective
  }

  /// Releases everything now, in order.
  func releaseAll() {
    cancelTimer()
    while head < items.count { pop() }
    compact()
  }

  /// Drops the timer; queued items stay until `releaseAll`.
  func cancelTimer() {
    if let timer { clock.cancel(timer) }
    timer = nil
  }

  private func arm() {
    guard head < items.count else { return }
    timer = clock.schedule(at: items[head].release) { [weak self] in self?.fire() }
  }

  private func fire() {
    timer = nil
    let now = clock.now
    while head < items.count && items[head].release <= now { pop() }
    compact()
    arm()
  }

  private func pop() {
    let item = items[head].item
    head += 1
    send(item)
  }

  private func send(_ item: Item) {
    switch item {
    case .chunk(let chunk): deliver(chunk)
    case .end(let end): deliverEnd(end)
    }
  }

  private func compact() {
    if head == items.count {
      items.removeAll(keepingCapacity: true)
      head = 0
    } else if head > 1024 && head * 2 > items.count {
      items.removeFirst(head)
      head = 0
    }
  }
}
