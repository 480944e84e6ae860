import FaultlineLocking

/// A value that is set once and awaited by any number of tasks; a cancelled waiter stops
/// waiting with `CancellationError` without affecting the others.
final class OneShot<Value: Sendable>: Sendable {
  private struct State {
    var result: Result<Value, any Error>?
    var waiters: [Int: CheckedContinuation<Value, any Error>] = [:]
    var nextID = 0
  }

  private let state = Locked(State())

  var isResolved: Bool { state.withLock { $0.result != nil } }

  /// Sets the result; later calls are ignored. Returns whether this call set it.
  @discardableResult
  func resolve(_ result: Result<Value, any Error>) -> Bool {
    let waiters: [CheckedContinuation<Value, any Error>]? = state.withLock { state in
      guard state.result == nil else { return nil }
      state.result = result
      defer { state.waiters = [:] }
      return Array(state.waiters.values)
    }
    guard let waiters else { return false }
    for waiter in waiters { waiter.resume(with: result) }
    return true
  }

  var value: Value {
    get async throws {
      let id = state.withLock { state in
        defer { state.nextID += 1 }
        return state.nextID
      }
      return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
          let ready: Result<Value, any Error>? = state.withLock { state in
            if let result = state.result { return result }
            if Task.isCancelled { return .failure(CancellationError()) }
            state.waiters[id] = continuation
            return nil
          }
          if let ready { continuation.resume(with: ready) }
        }
      } onCancel: {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.resume(throwing: CancellationError())
      }
    }
  }
}
