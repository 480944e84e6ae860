/// Where the client's WebSocket connection stands.
///
/// `connecting → connected → disconnected → reconnecting → connected`; `failed` when the first
/// connect or a reconnection loop gave up.
public enum ConnectionState: String, Sendable, Equatable {
  case connecting
  case connected
  case disconnected
  case reconnecting
  case failed
}
