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
    // Yielding under the lock keeps every subscriber's order identical to the order of calls.
    state.withLock { state in
      for continuation in state.subscribers.values { continuation.yield(value) }
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
