/// What `connect()` learned about the server before opening the socket.
public struct ServerInfo: Sendable, Equatable {
  /// `GET /system_stats` as sent.
  public var systemStats: JSONValue
  /// `GET /features`, or nil when the server has no such route (older ComfyUI).
  public var features: JSONValue?

  public var comfyUIVersion: String? { systemStats["system"]?["comfyui_version"]?.stringValue }
  public var supportsPreviewMetadata: Bool {
    if case .bool(let supported) = features?["supports_preview_metadata"] {
      supported
    } else {
      false
    }
  }
}
