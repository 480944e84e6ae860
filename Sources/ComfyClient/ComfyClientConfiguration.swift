import Foundation
import Logging

/// Everything that shapes a `ComfyClient`: where the server is, who the client is, how it
/// reconnects, and how fast it notices a dead connection.
public struct ComfyClientConfiguration: Sendable {
  /// How the client decides a connected socket is dead.
  public struct Liveness: Sendable, Equatable {
    /// Period of WebSocket pings. The socket is closed when the pong for one ping has not
    /// arrived by the time the next is due, so this is also the pong deadline: a
    /// connection whose peer stopped answering is noticed within two intervals.
    /// (The WebSocket library answers pongs internally and enforces exactly that rule.)
    /// `nil` sends no pings.
    public var pingInterval: Duration?
    /// No frame at all for this long means the session is dead and the client reconnects.
    /// Catches what pings cannot: a server that still answers pings but has stopped sending
    /// to this client (ComfyUI's reconnect race, #16010). A real ComfyUI sends nothing to an
    /// idle client, so by default silence only counts while one of this client's jobs waits
    /// (queueing one makes the server broadcast `status` at once); see `silenceCountsWhenIdle`.
    /// Time the client's own process was starved of CPU does not count as the server's silence.
    public var silenceTimeout: Duration?
    /// Whether silence also counts while the client has no job waiting. Only for a server that
    /// sends something periodically, like the Faultline mock with `--status-interval`: against a
    /// real ComfyUI it would drop and reopen an idle healthy socket every `silenceTimeout`.
    public var silenceCountsWhenIdle: Bool
    /// How long to wait for the socket to open before the attempt counts as failed.
    public var connectTimeout: Duration
    /// How long to wait for the server's close frame after we sent ours.
    public var closeTimeout: Duration

    public init(
      pingInterval: Duration? = .seconds(2),
      silenceTimeout: Duration? = .seconds(12),
      connectTimeout: Duration = .seconds(5),
      closeTimeout: Duration = .seconds(1),
      silenceCountsWhenIdle: Bool = false
    ) {
      self.pingInterval = pingInterval
      self.silenceTimeout = silenceTimeout
      self.silenceCountsWhenIdle = silenceCountsWhenIdle
      self.connectTimeout = connectTimeout
      self.closeTimeout = closeTimeout
    }
  }

  /// How `connect()` waits for the server to answer `GET /prompt`.
  public struct HealthCheck: Sendable, Equatable {
    public var attempts: Int
    public var delay: Duration

    public init(attempts: Int = 3, delay: Duration = .milliseconds(500)) {
      self.attempts = attempts
      self.delay = delay
    }
  }

  /// `http://host:port` of the ComfyUI server (a path prefix is kept; `ws` URLs are derived).
  public var baseURL: URL
  /// Sent as `client_id` with every prompt and as `clientId` on the socket, unchanged across
  /// reconnects so the server keeps routing this client's prompt events to it.
  public var clientId: String
  /// Reconnect by itself after every drop, any number of times.
  public var autoReconnect: Bool
  public var reconnectPolicy: ReconnectPolicy
  public var liveness: Liveness
  public var healthCheck: HealthCheck
  /// Deadline of each HTTP request.
  public var requestTimeout: Duration
  /// Ask for `PREVIEW_IMAGE_WITH_METADATA` frames in the `feature_flags` message.
  public var supportsPreviewMetadata: Bool
  /// Largest WebSocket message accepted (previews can be large).
  public var maxMessageSize: Int
  public var logger: Logger

  public init(
    baseURL: URL,
    clientId: String = UUID().uuidString.lowercased(),
    autoReconnect: Bool = true,
    reconnectPolicy: ReconnectPolicy = ReconnectPolicy(),
    liveness: Liveness = Liveness(),
    healthCheck: HealthCheck = HealthCheck(),
    requestTimeout: Duration = .seconds(10),
    supportsPreviewMetadata: Bool = true,
    maxMessageSize: Int = 32 << 20,
    logger: Logger = Logger(label: "ComfyClient")
  ) {
    self.baseURL = baseURL
    self.clientId = clientId
    self.autoReconnect = autoReconnect
    self.reconnectPolicy = reconnectPolicy
    self.liveness = liveness
    self.healthCheck = healthCheck
    self.requestTimeout = requestTimeout
    self.supportsPreviewMetadata = supportsPreviewMetadata
    self.maxMessageSize = maxMessageSize
    self.logger = logger
  }

  /// Throws a `ComfyClientError.invalidConfiguration` naming the first field that makes no sense.
  public func validate() throws(ComfyClientError) {
    guard let scheme = baseURL.scheme?.lowercased(), ["http", "https"].contains(scheme),
      baseURL.host != nil
    else {
      throw .invalidConfiguration(
        field: "baseURL", value: baseURL.absoluteString,
        expected: "an http:// or https:// URL with a host")
    }
    if clientId.isEmpty {
      throw .invalidConfiguration(field: "clientId", value: "\"\"", expected: "a non-empty id")
    }
    try reconnectPolicy.validate()
    if let ping = liveness.pingInterval, ping <= .zero {
      throw .invalidConfiguration(
        field: "liveness.pingInterval", value: "\(ping)", expected: "nil or > 0")
    }
    if let silence = liveness.silenceTimeout, silence <= .zero {
      throw .invalidConfiguration(
        field: "liveness.silenceTimeout", value: "\(silence)", expected: "nil or > 0")
    }
    if liveness.connectTimeout <= .zero {
      throw .invalidConfiguration(
        field: "liveness.connectTimeout", value: "\(liveness.connectTimeout)", expected: "> 0")
    }
    if healthCheck.attempts < 1 {
      throw .invalidConfiguration(
        field: "healthCheck.attempts", value: "\(healthCheck.attempts)", expected: "≥ 1")
    }
    if requestTimeout <= .zero {
      throw .invalidConfiguration(
        field: "requestTimeout", value: "\(requestTimeout)", expected: "> 0")
    }
  }

  /// `ws(s)://host:port/ws?clientId=ID`.
  var webSocketURL: String {
    var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) ?? URLComponents()
    components.scheme = baseURL.scheme?.lowercased() == "https" ? "wss" : "ws"
    let prefix =
      components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
    components.path = prefix + "/ws"
    components.queryItems = [URLQueryItem(name: "clientId", value: clientId)]
    return components.string ?? "ws://invalid/ws"
  }
}
