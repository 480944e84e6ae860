/// A stage that holds chunks until a time of its choosing: latency, loss, bandwidth and slicer.
///
/// The queue keeps order and releases through one precise timer; a stage that leaves the chain
/// hands over everything still queued, and a torn-down connection only drops the timer.
class QueuedStage: BaseStage {
  private(set) lazy var queue = TimedRelease(
    clock: context.clock,
    deliver: { [unowned self] in output?.receive($0) },
    deliverEnd: { [unowned self] in output?.receiveEnd($0) })

  override func flush() { queue.releaseAll() }
  override func detach() { queue.cancelTimer() }
}
