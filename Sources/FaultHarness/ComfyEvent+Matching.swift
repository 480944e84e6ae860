import ComfyClient

/// Predicates over client events, so tests read `events.count(where: \.isReconnected)`.
extension ComfyEvent {
  public var isConnected: Bool { if case .connected = self { true } else { false } }
  public var isDisconnected: Bool { if case .disconnected = self { true } else { false } }
  public var isReconnecting: Bool { if case .reconnecting = self { true } else { false } }
  public var isReconnected: Bool { if case .reconnected = self { true } else { false } }
  public var isReconnectionFailed: Bool {
    if case .reconnectionFailed = self { true } else { false }
  }

  /// The server message this event carries, if it carries one.
  public var serverMessage: ServerMessage? {
    if case .message(let message) = self { message } else { nil }
  }

  public var isStatus: Bool { if case .status = serverMessage { true } else { false } }

  /// A binary preview frame.
  public var isPreview: Bool { if case .preview = serverMessage { true } else { false } }

  /// Why the client disconnected, for `disconnected` events.
  public var disconnectReason: DisconnectReason? {
    if case .disconnected(let reason) = self { reason } else { nil }
  }
}

extension DisconnectReason {
  /// True for a drop noticed by the silence deadline (half-open connection, reconnect race).
  public var isSilence: Bool { if case .silence = self { true } else { false } }
}
