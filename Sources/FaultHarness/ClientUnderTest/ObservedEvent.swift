/// One thing seen of a client under test, from outside it: by the proxy (its TCP connections), by
/// the mock server (its WebSocket sessions, the messages sent to it, its HTTP requests), or in the
/// JSON lines the client printed itself.
public struct ObservedEvent: Sendable, Codable, Equatable {
  /// Who saw it.
  public enum Source: String, Sendable, Codable {
    case proxy, server, client
  }

  /// Seconds since the run began (CLOCK_MONOTONIC).
  public var time: Double
  public var source: Source
  /// proxy: `tcp_open`, `tcp_close`; server: `ws_open`, `ws_close`, `message`, `http`; client: the
  /// `event` of its line (`connected`, `disconnected`, `reconnected`, `prompt_done`, ...).
  public var kind: String
  /// The WebSocket session's `clientId`, when the event is about one.
  public var clientID: String?
  /// The message type (`status`, `executing`, ...), or `METHOD PATH STATUS` of a request.
  public var detail: String?
  /// The prompt a message names.
  public var promptID: String?
  /// The node a message names (`executing` with a null node ends a prompt: nil here, `detail`
  /// `executing`).
  public var node: String?
  /// The server process that saw it, for server events.
  public var pid: Int?
  /// Every client a message went to (a broadcast goes to several).
  public var recipients: [String]?

  public init(
    time: Double, source: Source, kind: String, clientID: String? = nil, detail: String? = nil,
    promptID: String? = nil, node: String? = nil, pid: Int? = nil, recipients: [String]? = nil
  ) {
    self.time = time
    self.source = source
    self.kind = kind
    self.clientID = clientID
    self.detail = detail
    self.promptID = promptID
    self.node = node
    self.pid = pid
    self.recipients = recipients
  }
}
