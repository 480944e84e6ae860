/// Lets `bytes` bytes through in this direction, then closes the connection, as Toxiproxy's limit_data
/// toxic does: the sink reads exactly that many bytes and then EOF.
final class LimitDataStage: BaseStage {
  private let limit: Int
  private var passed = 0
  private var closed = false

  init(context: StageContext, bytes: Int) {
    limit = bytes
    super.init(context: context)
    if limit == 0 { context.scheduler.schedule(at: 0) { [weak self] in self?.close() } }
  }

  override func receive(_ chunk: Chunk) {
    guard !closed else {
      context.discarded(chunk.count)
      return
    }
    let allowed = limit - passed
    if chunk.count < allowed {
      passed += chunk.count
      output?.receive(chunk)
      return
    }
    var rest = chunk
    let prefix = allowed == rest.count ? rest : rest.splitPrefix(allowed)
    passed += allowed
    output?.receive(prefix)
    if allowed < chunk.count { context.discarded(rest.count) }
    close()
  }

  private func close() {
    guard !closed else { return }
    closed = true
    context.log("limit_data", bytes: passed)
    output?.receiveEnd(.fin)
    context.pair.finishAfterLimit(direction: context.direction)
  }

  override func receiveEnd(_ end: StreamEnd) {
    if !closed { output?.receiveEnd(end) }
  }
}
