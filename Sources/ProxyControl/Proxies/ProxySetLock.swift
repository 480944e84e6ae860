/// Lets one change to the set of proxies run at a time (create, move, delete, populate), so that
/// two API calls never interleave the removal and re-creation of one proxy.
///
/// An async lock rather than an actor method: the guarded work awaits the engine, and an actor
/// would let another call in at each of those awaits.
actor ProxySetLock {
  private var busy = false
  private var waiting: [CheckedContinuation<Void, Never>] = []

  /// Runs `body` once every change that asked before it has finished.
  nonisolated func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
    await acquire()
    do {
      let result = try await body()
      await release()
      return result
    } catch {
      await release()
      throw error
    }
  }

  private func acquire() async {
    guard busy else {
      busy = true
      return
    }
    await withCheckedContinuation { waiting.append($0) }
  }

  /// Hands the lock to the next waiter, if any, without ever leaving it free in between.
  private func release() {
    if waiting.isEmpty {
      busy = false
    } else {
      waiting.removeFirst().resume()
    }
  }
}
