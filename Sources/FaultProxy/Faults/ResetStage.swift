/// Resets the connection with a RST: after a time since it opened, after a number of bytes in this
/// direction, or at once; for a share of connections given by `probability` (drawn once per connection).
final class ResetStage: BaseStage {
  private let reset: FaultKind.Reset
  private let armed: Bool
  private var passed = 0
  private var timer: PreciseScheduler.Token?
  private var fired = false

  init(context: StageContext, reset: FaultKind.Reset) {
    self.reset = reset
    armed = context.key.derived("reset-probability").occurs(withProbability: reset.probability)
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
    context.log("reset", bytes: passed)
    context.pair.abort(
      resetClient: reset.side != .upstream, resetUpstream: reset.side != .client)
  }

  override func receive(_ chunk: Chunk) {
    guard armed, let limit = reset.afterBytes, !fired else {
      if !fired { output?.receive(chunk) } else { context.discarded(chunk.count) }
      return
    }
    let allowed = limit - passed
    if chunk.count < allowed {
      passed += chunk.count
      output?.receive(chunk)
      return
    }
    var rest = chunk
    if allowed > 0 {
      passed += allowed
      output?.receive(allowed == rest.count ? rest : rest.splitPrefix(allowed))
      if allowed == chunk.count { rest.count = 0 }
    }
    if rest.count > 0 { context.discarded(rest.count) }
    fire()
  }

  override func flush() {
    if let timer { context.scheduler.cancel(timer) }
    timer = nil
  }
}
