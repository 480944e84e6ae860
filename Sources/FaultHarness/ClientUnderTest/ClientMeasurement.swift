/// What one run of one scenario showed about a client under test, measured from outside it.
/// Times are in seconds from the failure's start unless said otherwise; nil means never.
public struct ClientMeasurement: Sendable, Codable, Equatable {
  /// How the client fared.
  public enum Verdict: String, Sendable, Codable, CaseIterable {
    /// It opened a new WebSocket session after the failure began.
    case recovered
    /// It tried (a new TCP connection, or its own `disconnected` line) but had no session again.
    case noticedNotRecovered = "noticed but did not recover"
    /// Nothing it did showed that it saw the failure.
    case didNotNotice = "did not notice"
  }

  public var scenario: String
  public var category: FailureCategory
  /// 1-based.
  public var run: Int
  public var verdict: Verdict
  /// Until the first sign that the client noticed: a WebSocket upgrade request reaching the
  /// server, or its own `disconnected` line, whichever came first.
  public var noticedAfter: Double?
  /// Which sign that was.
  public var noticedBy: String?
  /// Until the proxy accepted the client's first new TCP connection (a reconnect attempt, or any
  /// HTTP request: the proxy cannot tell them apart).
  public var newConnectionAfter: Double?
  /// Until the server saw a new WebSocket session of the client.
  public var reconnectedAfter: Double?
  /// From the cause's end (server back, fault removed) until that session.
  public var restoredAfter: Double?
  /// How long the failure itself was injected (seconds).
  public var causeDuration: Double
  /// The client's `clientId` before the failure, and whether its new session used the same one.
  public var clientID: String?
  public var sameClientID: Bool?
  /// TCP connections the proxy accepted before the failure, and from its start on.
  public var tcpConnectionsBefore: Int
  public var tcpConnectionsAfter: Int
  /// WebSocket sessions the servers opened before the failure, and from its start on.
  public var sessionsBefore: Int
  public var sessionsAfter: Int
  /// Prompts accepted by `POST /prompt`, and prompts the server finished, before and after.
  public var promptsSubmittedBefore: Int
  public var promptsSubmittedAfter: Int
  public var promptsCompletedBefore: Int
  public var promptsCompletedAfter: Int
  /// What became of the prompt running when the failure began: `completed`, `failed`,
  /// `interrupted` (the server said so), `lost` (its server process is gone), `unfinished` (still
  /// running when the watch ended), or `none` (no prompt was running).
  public var inFlightPrompt: String
  /// `GET /history...` and `GET /queue` requests after the failure began: how a client finds out
  /// what happened to its prompts.
  public var historyReadsAfter: Int
  public var queueReadsAfter: Int
  /// What the client said itself (its JSON lines): when it reported `disconnected` and
  /// `reconnected` (or `connected`), and how many lines of each kind it printed.
  public var clientReportedDisconnectAfter: Double?
  public var clientReportedReconnectAfter: Double?
  public var clientEvents: [String: Int]
  /// How the client's process ended, when it ended during the run.
  public var clientExit: String?
  /// What went wrong with the measurement itself, if anything.
  public var error: String?
  /// The run's time line (seconds since the run began; the failure began at `failedAt`), without
  /// the periodic `status` and progress messages.
  public var failedAt: Double
  public var timeline: [ObservedEvent]
}
