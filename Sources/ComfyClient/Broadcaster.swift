import FaultlineLocking

/// Fans values out to any number of `AsyncStream` subscribers.
///
/// Streams are unbounded so that a slow subscriber never makes another one miss a value;
/// a subscriber that stops iterating is removed when its stream terminates.
final class Broadcaster<Element: Sendable>: Sendable {
  private struct State {
    var subscribers: [Int: AsyncStream<Element>.Continuation] = [:]
    var nextID = 0
    var finished = false
  }

  private let state = Locked(State())
  /// Serialises deliveries, so every subscriber sees values in the order `yield` was called. Kept
  /// apart from `state` on purpose: a stream's `onTermination` runs while the Swift runtime holds the
  /// cancelled task's status lock and takes `state`, and `Continuation.yield` takes that same task
  /// lock; yielding while holding `state` deadlocked a yield against a cancelling subscriber.
  private let delivery = Locked(())

  /// A new stream of every value yielded from now on; `initial` values come first.
  func subscribe(initial: [Element] = []) -> AsyncStream<Element> {
    let (stream, continuation) = AsyncStream.makeStream(
      of: Element.self, bufferingPolicy: .unbounded)
    for value in initial { continuation.yield(value) }
    let id: Int? = state.withLock { state in
      guard !state.finished else { return nil }
      let id = state.nextID
      state.nextID += 1
      state.subscribers[id] = continuation
      return id
    }
    guard let id else {
      continuation.finish()
      return stream
    }
    continuation.onTermination = { [weak self] _ in
      _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
    }
    return stream
  }

  func yield(_ value: Element) {
    delivery.withLock {
      // A subscriber removed between the copy and its yield only gets `.terminated` back.
      let subscribers = state.withLock { Array($0.subscribers.values) }
      for continuation in subscribers { continuation.yield(value) }
    }
  }

  func finish() {
    let subscribers = state.withLock { state in
      state.finished = true
      defer { state.subscribers = [:] }
      return Array(state.subscribers.values)
    }
    for continuation in subscribers { continuation.finish() }
  }
}
