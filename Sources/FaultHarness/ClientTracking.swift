import ComfyClient

/// Every `ComfyEvent` of one client, with arrival times.
public typealias EventTracker = StreamTracker<ComfyEvent>
/// Every `ConnectionState` of one client (the current one first), with arrival times.
public typealias StateTracker = StreamTracker<ConnectionState>

/// Starts recording every event of `client` from now on.
public func trackEvents(_ client: ComfyClient) -> EventTracker {
  EventTracker(client.events())
}

/// Starts recording the events of `client` that match `predicate`, e.g. `trackEvent(client, \.isReconnected)`;
/// `didFire` then says whether one happened.
public func trackEvent(
  _ client: ComfyClient, _ predicate: @escaping @Sendable (ComfyEvent) -> Bool
) -> EventTracker {
  EventTracker(client.events(), including: predicate)
}

/// Starts recording the states of `client`, beginning with the current one.
public func trackStates(_ client: ComfyClient) -> StateTracker {
  StateTracker(client.stateChanges())
}

/// Waits until `client` is connected.
public func waitForConnection(_ client: ComfyClient, timeout: Duration = .seconds(10)) async throws
{
  try await pollUntil(
    "the client to be connected", timeout: timeout,
    lastSeen: { "state \(client.connectionState)" }
  ) { client.connectionState == .connected }
}

/// Waits until `client` is no longer connected (disconnected, reconnecting or failed).
public func waitForDisconnection(_ client: ComfyClient, timeout: Duration = .seconds(10))
  async throws
{
  try await pollUntil(
    "the client to notice it is disconnected", timeout: timeout,
    lastSeen: { "state \(client.connectionState)" }
  ) { client.connectionState != .connected }
}

/// Waits for the next event of `client` matching `predicate`, from the moment of the call.
/// To catch an event caused by something you do first, create a tracker before doing it.
@discardableResult
public func waitForEvent(
  _ client: ComfyClient, _ what: String, timeout: Duration = .seconds(10),
  where predicate: @escaping @Sendable (ComfyEvent) -> Bool
) async throws -> ComfyEvent {
  let tracker = trackEvent(client, predicate)
  defer { tracker.cleanup() }
  return try await tracker.waitForItem(what, timeout: timeout, where: predicate)
}
