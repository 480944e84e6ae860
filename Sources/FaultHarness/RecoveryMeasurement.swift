/// What one run of one scenario showed about the client's recovery. Times are in seconds.
public struct RecoveryMeasurement: Sendable, Codable, Equatable {
  public var scenario: String
  public var category: FailureCategory
  /// 1-based run number.
  public var run: Int
  /// From the failure until the client reported `disconnected`; nil when it never did.
  public var noticedAfter: Double?
  /// Why the client said it disconnected.
  public var disconnectReason: String?
  /// From the failure until the client's first `reconnected` event, which may come while the
  /// cause still lasts (a reconnect through a lossy or slow link); nil when it never reconnected.
  public var reconnectedAfter: Double?
  /// From the moment the cause was gone (server back, fault removed) until the client worked
  /// again (connected, reconnected if it had dropped, `GET /queue` answered); nil if it did not.
  public var restoredAfter: Double?
  /// From the failure until the client was found working again, checked from the moment the
  /// cause was gone: for a failure the client rides out, this is the failure's length.
  public var outage: Double?
  /// Whether the client worked again within the deadline.
  public var recovered: Bool
  /// Reconnection attempts the client announced.
  public var reconnectAttempts: Int
  /// Periodic `status` broadcasts the client did not receive between the last one before the
  /// failure and shortly after it worked again (expected by the broadcast interval, minus those
  /// received and the greetings of new connections): an estimate of the messages lost.
  public var statusBroadcastsMissed: Int
  /// What became of the prompt running when the failure began: `completed`, `lost` (the server
  /// no longer knew it), `failed: ...`, or `unfinished` (no outcome within the deadline).
  public var inFlightPrompt: String
  /// 1 when the prompt running at the failure did not complete, else 0.
  public var promptsLost: Int
  /// Whether a new prompt queued after the recovery completed.
  public var promptAfterRecovery: Bool
  /// What went wrong with the measurement itself (not the client), if anything.
  public var error: String?
}
