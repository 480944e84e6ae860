/// Runs `body` with `resource`, then `cleanup(resource)`, whether `body` returned or threw.
///
/// The one shape behind every `with...` helper that must not leak what it made (a client's sockets
/// and tasks, a server process, a proxy engine): `cleanup` runs exactly once, after `body`, on both
/// paths, and `body`'s error is the one rethrown.
public func withCleanup<Resource, Result, Failure: Error>(
  _ resource: Resource,
  cleanup: (Resource) async -> Void,
  _ body: (Resource) async throws(Failure) -> Result
) async throws(Failure) -> Result {
  let result: Result
  do {
    result = try await body(resource)
  } catch {
    await cleanup(resource)
    throw error
  }
  await cleanup(resource)
  return result
}
