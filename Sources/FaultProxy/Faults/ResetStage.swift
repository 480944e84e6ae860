/// Resets the connection with a RST: after a time since it opened, after a number of bytes in this
/// direction, at once, or (Toxiproxy's reset_peer) a time after the first chunk; for a share of
/// connections given by `probability` (drawn once per connection).
final class ResetStage: BaseStage {
  private let reset: ResetFault
  /// Toxiproxy's reset_peer: the clock starts at the first chunk in this direction, which is
  /// dropped together with everything after it.
  private let startsAtFirstByte: Bool
  private let armed: Bool
  private var budget: ByteBudget?
  private var timer: StageClock.Token?
  private var fired = false

  init(context: StageContext, reset: ResetFault, startsAtFirstByte: Bool = false) {
    self.reset = reset
    self.startsAtFirstByte = startsAtFirstByte
    armed = context.key.derived("reset-probability").occurs(withProbability: reset.probability)
    budget = reset.afterBytes.map { ByteBudget(limit: $0) }
    super.init(context: context)
    // With `stream: both` the two stages share one timer: the upstream one keeps it.
    // With `startsAtFirstByte` the timer starts at the first chunk instead (see `receive`).
    guard armed, !startsAtFirstByte,
      context.fault.spec.stream != .both || context.direction == .upstream
    else { return }
    if reset.afterBytes == nil || reset.after != nil {
      let delay = reset.after?.nanoseconds ?? 0
      timer = context.clock.schedule(at: context.host.openedAt &+ delay) { [weak self] in
        self?.fire()
      }
    }
  }

  private func fire() {
    guard !fired else { return }
    fired = true
    context.log("reset", bytes: budget?.passed ?? 0)
    context.host.abort(
      resetClient: reset.side != .upstream, resetUpstream: reset.side != .client)
  }

  override func receive(_ chunk: Chunk) {
    guard !fired else {
      context.discarded(chunk.count)
      return
    }
    if armed && startsAtFirstByte {
      // As Toxiproxy's reset_peer: the first chunk starts the clock and is never delivered.
      context.discarded(chunk.count)
      if timer == nil {
        timer = context.clock.schedule(after: reset.after?.nanoseconds ?? 0) { [weak self] in
          self?.fire()
        }
      }
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

  override func detach() {
    if let timer { context.clock.cancel(timer) }
    timer = nil
  }
}
