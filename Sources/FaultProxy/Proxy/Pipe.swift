/// One direction of a proxied connection: reads from `source`, passes chunks through the fault stages in
/// order, and writes what comes out to `sink`.
///
/// Backpressure: when the bytes held by stages plus the bytes queued for the sink pass the high-water mark,
/// the source is no longer read; reading resumes below the low-water mark. Loop-confined.
final class Pipe: ChunkSink {
  /// Why the source is not being read; it is read only when the set is empty.
  struct PauseReasons: OptionSet {
    let rawValue: UInt8
    static let notConnected = PauseReasons(rawValue: 1)
    static let backpressure = PauseReasons(rawValue: 2)
    /// A half-open fault stopped reading while it lasts (as a dead host's peer stops being read).
    static let silenced = PauseReasons(rawValue: 4)
    /// The direction is over for good (a limit ran out, or its server side was forgotten).
    static let stopped = PauseReasons(rawValue: 8)
    /// The loop holds more than its `BufferBudget` allows, and this direction holds some of it.
    static let memory = PauseReasons(rawValue: 16)
  }

  let direction: Direction
  unowned let pair: ConnectionPair
  let source: TCPConnection
  let sink: TCPConnection
  private(set) var stages: [any FaultStage] = []
  /// Bytes inside fault stages, not yet handed to the sink.
  private(set) var heldBytes = 0
  private var pauses: PauseReasons = [.notConnected]
  private(set) var sourceEnded = false
  private var endDelivered = false
  /// True once the FIN has gone out to the sink and its shutdown completed.
  private(set) var finished = false
  private(set) var receivedBytes: UInt64 = 0
  private(set) var sentBytes: UInt64 = 0
  /// The backlog last reported to the loop's `BufferBudget`.
  private var budgeted = 0

  init(direction: Direction, pair: ConnectionPair, source: TCPConnection, sink: TCPConnection) {
    self.direction = direction
    self.pair = pair
    self.source = source
    self.sink = sink
  }

  private var counters: ProxyCounters { pair.proxy.counters }
  private var highWater: Int { pair.worker.configuration.highWaterMark }
  private var lowWater: Int { pair.worker.configuration.lowWaterMark }
  var backlog: Int { heldBytes + (sink.isClosing ? 0 : sink.writeQueueSize) }

  // MARK: Stages

  /// Replaces the stage list in one step. A stage that leaves hands what it holds to the stage that
  /// followed it (or the sink), so nothing is lost and order is kept.
  func replaceStages(_ newStages: [any FaultStage]) {
    let old = stages
    stages = newStages
    for (position, stage) in stages.enumerated() {
      stage.output = position + 1 < stages.count ? stages[position + 1] : self
    }
    for (position, stage) in old.enumerated() where !newStages.contains(where: { $0 === stage }) {
      let follower = old[(position + 1)...].first { survivor in
        newStages.contains { $0 === survivor }
      }
      stage.output = follower ?? self
      stage.flush()
      stage.detach()
    }
  }

  /// The stage running the fault with `key`, if any.
  func stage(forKey key: String) -> (any FaultStage)? {
    stages.first { $0.fault.key == key }
  }

  // MARK: Reading

  func pause(_ reason: PauseReasons) {
    pauses.insert(reason)
    source.stopReading()
  }

  func resume(_ reason: PauseReasons) {
    pauses.remove(reason)
    if pauses.isEmpty && !sourceEnded { source.startReading() }
  }

  func didRead(_ buffer: UnsafeMutableRawPointer, count: Int) {
    let arrival = MonotonicClock.now()
    pair.refreshFaultsIfDue(at: arrival)
    let offset = receivedBytes
    receivedBytes &+= UInt64(count)
    counters.addReceived(count, direction)
    if let first = stages.first {
      // Small reads are copied so a held chunk does not pin a whole pooled buffer.
      let block: ByteBlock
      if count < pair.worker.pool.bufferSize / 4 {
        block = ByteBlock(copying: buffer, count: count)
        pair.worker.pool.give(buffer)
      } else {
        block = ByteBlock(pooled: buffer, pool: pair.worker.pool)
      }
      heldBytes += count
      first.receive(
        Chunk(
          block: block, start: 0, count: count, streamOffset: offset, arrival: arrival)
      )
    } else if endDelivered {
      // A fault already sent this direction's end (half_close, say): nothing may follow it.
      pair.worker.pool.give(buffer)
    } else {
      writeFromPool(buffer, count: count)
    }
    checkBackpressure()
  }

  /// The source ended, or a fault ends this direction as if it had: the end follows the bytes
  /// still inside the stages.
  func didEnd(_ end: StreamEnd) {
    sourceEnded = true
    if let first = stages.first { first.receiveEnd(end) } else { receiveEnd(end) }
  }

  // MARK: ChunkSink (the end of the chain)

  func receive(_ chunk: Chunk) {
    heldBytes -= chunk.count
    guard !endDelivered else { return }
    let written = sink.tryWrite(chunk.pointer, count: chunk.count)
    noteSent(written)
    if written < chunk.count {
      sink.write(chunk.block, start: chunk.start + written, count: chunk.count - written)
    }
    checkBackpressure()
  }

  func receiveEnd(_ end: StreamEnd) {
    guard !endDelivered else { return }
    endDelivered = true
    if sink.isClosing {
      // The sink is already gone: nothing is left to carry.
      pair.closeBoth()
      return
    }
    switch end {
    case .fin: sink.shutdown()
    case .reset: pair.abort(resetting: sink)
    }
  }

  /// A stage threw bytes away on purpose.
  func discarded(_ count: Int) {
    heldBytes -= count
    checkBackpressure()
  }

  // MARK: Writing

  private func writeFromPool(_ buffer: UnsafeMutableRawPointer, count: Int) {
    let written = sink.tryWrite(buffer, count: count)
    noteSent(written)
    if written == count {
      pair.worker.pool.give(buffer)
    } else {
      sink.write(pooled: buffer, start: written, count: count - written)
    }
  }

  func sinkDidWrite(_ count: Int, status: Int32) {
    if status == 0 {
      noteSent(count)
      checkBackpressure()
    } else if !sink.isClosing {
      // The sink's peer is gone; tell the source's peer the same way.
      pair.abort(resetting: source)
    }
  }

  func sinkDidShutdown() {
    finished = true
    pair.checkFinished()
  }

  private func noteSent(_ count: Int) {
    guard count > 0 else { return }
    sentBytes &+= UInt64(count)
    counters.addSent(count, direction)
  }

  private func checkBackpressure() {
    let backlog = self.backlog
    let budget = pair.worker.budget
    // Most calls (every passthrough write that went out whole) leave the backlog where it was.
    if backlog != budgeted {
      budget.change(by: backlog - budgeted)
      budgeted = backlog
    }
    if backlog > highWater {
      if !pauses.contains(.backpressure) { pause(.backpressure) }
    } else if backlog <= lowWater && pauses.contains(.backpressure) {
      resume(.backpressure)
    }
    if pauses.contains(.memory) {
      // A direction that has written out everything it held no longer adds to the total: it reads
      // again (short reads while over), even if stalled connections keep the total high.
      if backlog == 0 {
        budget.forget(self)
        resume(.memory)
      }
    } else if budget.isOver && backlog > 0 {
      pause(.memory)
      budget.wait(self)
    }
  }
}

extension Pipe {
  /// Drops every stage without flushing: the connection is gone.
  func teardown() {
    let budget = pair.worker.budget
    budget.forget(self)
    budget.change(by: -budgeted)
    budgeted = 0
    for stage in stages {
      stage.detach()
      stage.output = nil
    }
    stages = []
  }
}
