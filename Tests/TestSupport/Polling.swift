/// Checks `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
///
/// Tests wait for what they expect this way instead of sleeping: a fast machine goes on at once, a
/// loaded one gets the whole deadline, so deadlines are generous on purpose.
public func pollUntil(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool)
  async rethrows -> Bool
{
  let clock = ContinuousClock()
  let deadline = clock.now + timeout
  while clock.now < deadline {
    if try await condition() { return true }
    try? await Task.sleep(for: .milliseconds(10))
  }
  return try await condition()
}
