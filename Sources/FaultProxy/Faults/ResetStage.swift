/// Resets the connection with a RST: after a time since it opened, after a number of bytes in this
/// direction, or at once; for a share of connections given by `probability` (drawn once per connection).
final class ResetStage: BaseStage {
  private let reset: FaultKind.Reset
  private let armed: Bool
  private var budget: ByteBudget?
  private var timer: PreciseScheduler.Token?
  private var fired = false

  init(context: StageContext, reset: FaultKind.Reset) {
    self.reset = reset
    armed = context.key.derived("reset-probability").occurs(withProbability: reset.probability)
    budget = reset.afterBytes.map { ByteBudget(limit: $0) }
    super.init(context: context)
    // With `stream: both` the two stages share one timer: the upstream one keeps it.
    guard armed, context.fault.spec.stream != .both || context.direction == .upstream else {
      return
    }
    if reset.afterBytes == nil || reset.after != nil {
      let delay = reset.after?.nanoseconds ?? 0
      timer = context.scheduler.schedule(at: context.pair.openedAt &+ delay) { [weak self] in
        self?.fire()
      }
    }
  }

  private func fire() {
    guard !fired else { return }
    fired = true
    context.log("reset", bytes: budget?.passed ?? 0)
    context.pair.abort(
      resetClient: reset.side != .upstream, resetUpstream: reset.side != .client)
  }

  override func receive(_ chunk: Chunk) {
    guard !fired else {
      context.discarded(chunk.count)
      return
    }
    guard armed, var current = budget else {
      output?.receive(chunk)
      return
    }
    let (within, overflow, reached) = current.take(chunk)
    budget = current
    if let within { output?.receive(within) }
    if overflow > 0 { context.discarded(overflow) }
    if reached { fire() }
  }

  override func flush() {
    if let timer { context.scheduler.cancel(timer) }
    timer = nil
  }
}
