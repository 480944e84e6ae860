import FaultlineLocking

/// A condition that did not come true before its deadline; says what was awaited, for how long, and
/// what the harness saw meanwhile, because "timed out" alone does not help anyone fix a test.
public struct HarnessTimeout: Error, CustomStringConvertible {
  /// What was awaited, in words ("the client to reconnect").
  public let what: String
  public let timeout: Duration
  /// The last state seen, when the caller could describe it.
  public let lastSeen: String?

  public init(what: String, timeout: Duration, lastSeen: String? = nil) {
    self.what = what
    self.timeout = timeout
    self.lastSeen = lastSeen
  }

  public var description: String {
    "timed out after \(timeout) waiting for \(what)" + (lastSeen.map { "; last seen: \($0)" } ?? "")
  }
}

/// Checks `condition` every `interval` until it holds; throws `HarnessTimeout` after `timeout`.
///
/// Tests wait for what they expect this way instead of sleeping: a fast machine goes on at once,
/// a loaded one gets the whole deadline. `lastSeen` describes the state for the error message.
public func pollUntil(
  _ what: String,
  timeout: Duration = .seconds(10),
  interval: Duration = .milliseconds(20),
  lastSeen: () -> String? = { nil },
  _ condition: () async throws -> Bool
) async throws {
  let clock = ContinuousClock()
  let deadline = clock.now.advanced(by: timeout)
  while true {
    if try await condition() { return }
    guard clock.now < deadline else {
      throw HarnessTimeout(what: what, timeout: timeout, lastSeen: lastSeen())
    }
    try await Task.sleep(for: interval)
  }
}

extension Duration {
  /// The duration in seconds as a floating-point number, for reports.
  public var inSeconds: Double {
    let parts = components
    return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
  }

  /// The duration in milliseconds, for reports.
  public var inMilliseconds: Double { inSeconds * 1000 }
}

/// Runs `body`, giving up with `HarnessTimeout` after `timeout`: for calls that would wait forever
/// when the code under test is broken. The body is cancelled then, but not awaited, since a body
/// that ignores cancellation is exactly what the deadline protects against.
public func withDeadline<Value: Sendable>(
  _ timeout: Duration, _ what: String = "the operation",
  _ body: @escaping @Sendable () async throws -> Value
) async throws -> Value {
  let waiter = Locked<CheckedContinuation<Value, any Error>?>(nil)
  let finish: @Sendable (Result<Value, any Error>) -> Bool = { result in
    guard let continuation = waiter.withLock({ $0.take() }) else { return false }
    continuation.resume(with: result)
    return true
  }
  let timer = Locked<Task<Void, Never>?>(nil)
  defer { timer.withLock { $0?.cancel() } }
  return try await withCheckedThrowingContinuation { continuation in
    waiter.withLock { $0 = continuation }
    let work = Task {
      let result: Result<Value, any Error>
      do { result = .success(try await body()) } catch { result = .failure(error) }
      _ = finish(result)
    }
    timer.withLock {
      $0 = Task {
        try? await Task.sleep(for: timeout)
        if finish(.failure(HarnessTimeout(what: what, timeout: timeout))) { work.cancel() }
      }
    }
  }
}
