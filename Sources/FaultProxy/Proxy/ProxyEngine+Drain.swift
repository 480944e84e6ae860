/// Ending gracefully: what a proxy does on SIGTERM with connections open.
extension ProxyEngine {
  /// Stops accepting on every proxy, then waits (at most `grace`) until no bytes are held by
  /// faults or queued for writing, so that bytes a latency fault holds still reach their side.
  /// Connections stay open meanwhile and keep flowing. Returns the bytes still held when it gave
  /// up: 0 once everything went out. Call `shutdown()` afterwards.
  @discardableResult
  public func drain(within grace: Duration) async -> Int {
    let ids = registry.withLock { $0.values.map(\.id).filter { $0 != 0 } }
    for thread in threads {
      try? await thread.run { worker in
        for id in ids { worker.removeListener(for: id)?.close() }
      }
    }
    let deadline = ContinuousClock.now + grace
    while true {
      let held = await heldBytes()
      if held == 0 || ContinuousClock.now >= deadline { return held }
      // The loops have no "budget empty" event to await; a short poll costs nothing next to
      // the delays being waited out.
      try? await Task.sleep(for: .milliseconds(10))
    }
  }

  /// Bytes held by fault stages or queued for writing, over every loop.
  public func heldBytes() async -> Int {
    var total = 0
    for thread in threads {
      total += (try? await thread.run { worker in worker.budget.total }) ?? 0
    }
    return total
  }
}
