/// Passes data as it comes but delays the FIN by `delay`, as Toxiproxy's slow_close toxic does.
final class SlowCloseStage: BaseStage {
  private let delay: UInt64
  private var timer: StageClock.Token?
  private var pendingEnd: StreamEnd?

  init(context: StageContext, delay: Duration) {
    self.delay = delay.nanoseconds
    super.init(context: context)
  }

  override func receiveEnd(_ end: StreamEnd) {
    guard end == .fin else {
      output?.receiveEnd(end)
      return
    }
    pendingEnd = end
    context.log("slow_close", value: Double(delay) / 1_000_000)
    timer = context.clock.schedule(after: delay) { [weak self] in self?.flush() }
  }

  override func flush() {
    detach()
    if let pendingEnd {
      self.pendingEnd = nil
      output?.receiveEnd(pendingEnd)
    }
  }

  override func detach() {
    if let timer { context.clock.cancel(timer) }
    timer = nil
  }
}
