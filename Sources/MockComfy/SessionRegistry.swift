import FaultlineLocking

/// The WebSocket sessions of the mock, keyed by session id (`clientId`), and the small piece of execution
/// state a connecting socket needs for its greeting. One lock guards both, so a socket's first messages
/// (`status`, then the current `executing`) are queued before any broadcast can slip in between.
///
/// Each session has an outbox (an `AsyncStream`) drained by its socket's own writer task, so a slow
/// client never delays the others and messages to one client keep their order.
final class SessionRegistry: Sendable {
  enum Outgoing: Sendable {
    case text(String)
    case binary([UInt8])
    /// Close the socket with this code (1001 when the server goes away).
    case close(UInt16)
  }

  private struct Session {
    let token: UInt64
    let outbox: AsyncStream<Outgoing>.Continuation
    var supportsPreviewMetadata = false
  }

  private struct State {
    var sessions: [String: Session] = [:]
    var nextToken: UInt64 = 0
    var queueRemaining = 0
    /// `server.client_id` of the real server: the client of the prompt being executed.
    var executingClientID: String?
    /// `server.last_node_id`: the node being executed, resent to that client when it reconnects.
    var lastNodeID: String?
    var isClosed = false
  }

  private let state = Locked(State())
  private let reconnectRace: Bool

  init(reconnectRace: Bool) {
    self.reconnectRace = reconnectRace
  }

  /// Registers a socket under `sid`, replacing (not closing) any socket with the same id, as the real
  /// server does. Returns the token that identifies this socket and its outbox, already holding the greeting.
  func register(sid: String) -> (token: UInt64, outbox: AsyncStream<Outgoing>) {
    let (stream, continuation) = AsyncStream<Outgoing>.makeStream()
    let token = state.withLock { state -> UInt64 in
      state.nextToken += 1
      state.sessions[sid] = Session(token: state.nextToken, outbox: continuation)
      let status = MockMessage.status(queueRemaining: state.queueRemaining, sid: sid)
      continuation.yield(.text(status.pythonJSONText))
      if state.executingClientID == sid, let node = state.lastNodeID {
        continuation.yield(
          .text(MockMessage.make("executing", ["node": .string(node)]).pythonJSONText))
      }
      if state.isClosed { continuation.yield(.close(1001)) }
      return state.nextToken
    }
    MockEventLog.shared.record("ws_open", ["client_id": .string(sid), "socket": .int(Int(token))])
    return (token, stream)
  }

  /// Called when a socket's handler ends. Normally it removes only its own registration; with the
  /// reconnect-race quirk it removes whatever is registered under `sid`, like ComfyUI before #16010's fix.
  func unregister(sid: String, token: UInt64) {
    let removed = state.withLock { state -> Session? in
      guard let session = state.sessions[sid], reconnectRace || session.token == token else {
        return nil
      }
      return state.sessions.removeValue(forKey: sid)
    }
    if let removed, removed.token == token { removed.outbox.finish() }
    MockEventLog.shared.record("ws_close", ["client_id": .string(sid), "socket": .int(Int(token))])
  }

  /// Records that the client of `sid` announced `supports_preview_metadata`.
  func setSupportsPreviewMetadata(sid: String, token: UInt64, _ supported: Bool) {
    state.withLock { state in
      if state.sessions[sid]?.token == token {
        state.sessions[sid]?.supportsPreviewMetadata = supported
      }
    }
  }

  /// Sends to one client (`sid`), or to everyone when `sid` is nil. A message for an absent client is dropped.
  func send(_ message: JSONValue, to sid: String?) {
    let text = message.pythonJSONText
    let delivered = state.withLock { state -> [String] in
      if let sid {
        return state.sessions[sid]?.outbox.yield(.text(text)) != nil ? [sid] : []
      } else {
        for session in state.sessions.values { session.outbox.yield(.text(text)) }
        return Array(state.sessions.keys)
      }
    }
    MockEventLog.shared.recordMessage(message, to: delivered)
  }

  /// One progress-bar update to one client (or everyone when `sid` is nil), in the order ComfyUI
  /// 0.3.64 sends it: `progress_state`, then to a client that announced `supports_preview_metadata` the
  /// type-4 preview and `progress`, to any other `progress` and the type-1 preview.
  func sendProgressStep(
    progressState: JSONValue, progress: JSONValue, preview png: [UInt8], nodeID: String,
    promptID: String, to sid: String?
  ) {
    let (stateText, progressText) = (progressState.pythonJSONText, progress.pythonJSONText)
    let plain = BinaryFrame.preview(png: png)
    let withMetadata = BinaryFrame.previewWithMetadata(png: png, nodeID: nodeID, promptID: promptID)
    let delivered = state.withLock { state -> [String] in
      let targets =
        sid.map { id in state.sessions[id] != nil ? [id] : [] } ?? Array(state.sessions.keys)
      for session in targets.compactMap({ state.sessions[$0] }) {
        session.outbox.yield(.text(stateText))
        if session.supportsPreviewMetadata {
          session.outbox.yield(.binary(withMetadata))
          session.outbox.yield(.text(progressText))
        } else {
          session.outbox.yield(.text(progressText))
          session.outbox.yield(.binary(plain))
        }
      }
      return targets
    }
    MockEventLog.shared.recordMessage(progressState, to: delivered)
    MockEventLog.shared.recordMessage(progress, to: delivered)
    MockEventLog.shared.recordMessage(
      ["type": "preview", "data": ["prompt_id": .string(promptID), "node": .string(nodeID)]],
      to: delivered)
  }

  /// Updates the count every new socket's `status` greeting reports.
  func setQueueRemaining(_ count: Int) {
    state.withLock { $0.queueRemaining = count }
  }

  /// Updates what a reconnecting client of the running prompt is told.
  func setExecuting(clientID: String?, node: String?) {
    state.withLock { state in
      state.executingClientID = clientID
      state.lastNodeID = node
    }
  }

  var queueRemaining: Int { state.withLock { $0.queueRemaining } }

  var connectedCount: Int { state.withLock { $0.sessions.count } }

  /// Asks every socket to close with `code` and refuses new ones the same way (server shutdown).
  func closeAll(code: UInt16) {
    state.withLock { state in
      state.isClosed = true
      for session in state.sessions.values { session.outbox.yield(.close(code)) }
    }
  }
}
