/// Drops every byte and closes the connection after `timeout`, or never when it is 0, as Toxiproxy's
/// timeout toxic does.
final class TimeoutStage: BaseStage {
  private var timer: StageClock.Token?

  init(context: StageContext, timeout: Duration) {
    super.init(context: context)
    let delay = timeout.nanoseconds
    // With `stream: both` the two stages share one timer: the upstream one keeps it.
    guard delay > 0, context.fault.spec.stream != .both || context.direction == .upstream else {
      return
    }
    timer = context.clock.schedule(at: context.appliedAt &+ delay) { [weak self] in
      guard let self else { return }
      self.context.log("timeout")
      self.context.host.closeBoth()
    }
  }

  override func receive(_ chunk: Chunk) {
    context.discarded(chunk.count)
  }

  override func receiveEnd(_ end: StreamEnd) {}

  override func detach() {
    if let timer { context.clock.cancel(timer) }
    timer = nil
  }
}
