/// The connection goes silent, as when a cable is pulled or a NAT entry vanishes: no data, no FIN, no RST.
///
/// With `reads: stop` the source is no longer read, so the peer's sends back up in its socket buffer as
/// with a dead host; with `reads: discard` bytes are read and thrown away. A FIN or RST that arrives
/// while silent is held until the silence ends, as TCP would retransmit it. With `side: upstream` the
/// server side is closed for good while the client still believes it is connected.
final class HalfOpenStage: BaseStage {
  private let halfOpen: HalfOpenFault
  private var silent = false
  private var over = false
  private var heldEnd: StreamEnd?
  private var timers: [StageClock.Token] = []

  init(context: StageContext, halfOpen: HalfOpenFault) {
    self.halfOpen = halfOpen
    super.init(context: context)
    let start = context.appliedAt &+ halfOpen.after.nanoseconds
    timers.append(context.clock.schedule(at: start) { [weak self] in self?.begin() })
    if let duration = halfOpen.duration {
      timers.append(
        context.clock.schedule(at: start &+ duration.nanoseconds) { [weak self] in self?.end() }
      )
    }
  }

  private func begin() {
    guard !over, !silent else { return }
    silent = true
    context.log("half_open")
    if halfOpen.side == .upstream { context.host.forgetUpstream() }
    if halfOpen.reads == .stop { context.host.pauseReading(context.direction) }
  }

  private func end() {
    guard silent else {
      over = true
      return
    }
    silent = false
    over = true
    if halfOpen.side == .upstream {
      // The server forgot this connection: once packets flow again, the client's next segment meets a RST.
      context.log("reset")
      context.host.abort(resetClient: true, resetUpstream: false)
      return
    }
    context.log("resume")
    context.host.resumeReading(context.direction)
    if let heldEnd {
      self.heldEnd = nil
      output?.receiveEnd(heldEnd)
    }
  }

  override func receive(_ chunk: Chunk) {
    if silent {
      context.discarded(chunk.count)
      context.log("discard", bytes: chunk.count, offset: chunk.streamOffset)
    } else {
      output?.receive(chunk)
    }
  }

  override func receiveEnd(_ end: StreamEnd) {
    if silent { heldEnd = end } else { output?.receiveEnd(end) }
  }

  override func flush() {
    detach()
    end()
  }

  override func detach() {
    for timer in timers { context.clock.cancel(timer) }
    timers.removeAll()
  }
}
