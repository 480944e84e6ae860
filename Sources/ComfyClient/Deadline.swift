/// Thrown by `withDeadline` when the body did not finish in time.
struct DeadlineExceeded: Error, Sendable {
  let timeout: Duration
}

/// Runs `body`, cancelling it and throwing `DeadlineExceeded` when it takes longer than `timeout`.
/// `body` must end promptly when cancelled.
func withDeadline<Value: Sendable>(
  _ timeout: Duration,
  _ body: @escaping @Sendable () async throws -> Value
) async throws -> Value {
  try await withThrowingTaskGroup(of: Value?.self) { group in
    group.addTask { try await body() }
    group.addTask {
      try await ContinuousClock().sleep(for: timeout)
      return nil
    }
    defer { group.cancelAll() }
    guard let first = try await group.next(), let value = first else {
      throw DeadlineExceeded(timeout: timeout)
    }
    return value
  }
}
