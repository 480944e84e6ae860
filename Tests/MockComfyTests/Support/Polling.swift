import Foundation

/// Waits until `condition` holds, checking every 10 ms, for at most `timeout`. Returns whether it held.
/// Deadlines are generous on purpose: the machine running the tests may be loaded.
func pollUntil(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool)
  async rethrows -> Bool
{
  let deadline = ContinuousClock.now.advanced(by: timeout)
  while ContinuousClock.now < deadline {
    if try await condition() { return true }
    try? await Task.sleep(for: .milliseconds(10))
  }
  return try await condition()
}
