/// Propagates a FIN in this direction only: the sink reads EOF at once while the other direction keeps
/// flowing. Later bytes in this direction are read and dropped, since a half-closed stream carries none.
final class HalfCloseStage: BaseStage {
  private var closed = false

  override init(context: StageContext) {
    super.init(context: context)
    context.clock.schedule(at: 0) { [weak self] in self?.close() }
  }

  private func close() {
    guard !closed else { return }
    closed = true
    context.log("fin")
    output?.receiveEnd(.fin)
  }

  override func receive(_ chunk: Chunk) {
    if closed {
      context.discarded(chunk.count)
    } else {
      output?.receive(chunk)
    }
  }

  override func receiveEnd(_ end: StreamEnd) {
    if !closed || end == .reset { output?.receiveEnd(end) }
  }
}
