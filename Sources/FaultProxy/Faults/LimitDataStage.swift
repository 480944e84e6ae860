/// Lets `bytes` bytes through in this direction, then closes the connection, as Toxiproxy's limit_data
/// toxic does: the sink reads exactly that many bytes and then EOF.
final class LimitDataStage: BaseStage {
  private var budget: ByteBudget
  private var closed = false

  init(context: StageContext, bytes: Int) {
    budget = ByteBudget(limit: bytes)
    super.init(context: context)
    if bytes <= 0 { context.clock.schedule(at: 0) { [weak self] in self?.close() } }
  }

  override func receive(_ chunk: Chunk) {
    guard !closed else {
      context.discarded(chunk.count)
      return
    }
    let (within, overflow, reached) = budget.take(chunk)
    if let within { output?.receive(within) }
    if overflow > 0 { context.discarded(overflow) }
    if reached { close() }
  }

  private func close() {
    guard !closed else { return }
    closed = true
    context.log("limit_data", bytes: budget.passed)
    output?.receiveEnd(.fin)
    context.host.finishAfterLimit(direction: context.direction)
  }

  override func receiveEnd(_ end: StreamEnd) {
    if !closed { output?.receiveEnd(end) }
  }
}
