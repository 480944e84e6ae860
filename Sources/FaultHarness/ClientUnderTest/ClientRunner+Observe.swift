import ComfyClient
import Foundation

/// One run's watch: the client connected (and a prompt running), the failure injected at its
/// moment, then the client's reaction, all from the observer's time line.
extension ClientRunner {
  func observe(
    _ scenario: RecoveryScenario, run: Int, client: ClientProcess, observer: OutsideObserver,
    servers: ServerManager, serverPort: Int, proxies: ProxyManager
  ) async throws(ClientRunError) -> ClientMeasurement {
    // Connected: the server sees a WebSocket session.
    let connectLimit = observer.now() + connectDeadline.inSeconds
    while observer.first(after: 0, where: Self.isSessionOpen) == nil {
      if let status = client.exitStatus {
        throw .clientFailed(
          "the client `\(command)` \(status) before it connected"
            + (client.lastErrorLine.isEmpty ? "" : ": \(client.lastErrorLine)"))
      }
      if observer.now() > connectLimit {
        throw .neverConnected(command: command, seconds: connectDeadline.inSeconds)
      }
      try? await Task.sleep(for: .milliseconds(10))
    }
    // A prompt of the client's running, if it submits any.
    let promptLimit = observer.now() + promptDeadline.inSeconds
    while observer.first(after: 0, where: Self.isPromptStart) == nil, observer.now() < promptLimit,
      client.exitStatus == nil
    {
      try? await Task.sleep(for: .milliseconds(10))
    }
    let (noticeStream, noticeContinuation) = AsyncStream<ComfyEvent>.makeStream()
    let notices = EventTracker(noticeStream)
    let context = FailureContext(
      servers: servers, serverPort: serverPort, proxies: proxies, clock: ScenarioClock(),
      events: notices)
    var error: String?
    do {
      try await scenario.moment?(context)
    } catch let failure {
      error = "the moment never came: \(failure)"
    }
    let failedAt = observer.now()
    let noticeTask = Task {
      while !Task.isCancelled {
        // A failure that waits for the client's reaction (a reset) ends at its first attempt.
        if observer.first(
          after: failedAt, where: { Self.isNoticeSign($0) || $0.kind == "tcp_open" })
          != nil
        {
          noticeContinuation.yield(.disconnected(.connectionLost("seen from outside")))
          break
        }
        try? await Task.sleep(for: .milliseconds(5))
      }
      noticeContinuation.finish()
    }
    do {
      if error == nil { try await scenario.inject(context) }
    } catch let failure {
      error = "the failure could not be injected: \(failure)"
    }
    let causeEndedAt = observer.now()
    noticeTask.cancel()
    let recoveryLimit = causeEndedAt + recoveryDeadline.inSeconds
    var recoveredAt: Double?
    while observer.now() < recoveryLimit, client.exitStatus == nil {
      if let session = observer.first(after: failedAt, where: Self.isSessionOpen) {
        recoveredAt = session.time
        break
      }
      try? await Task.sleep(for: .milliseconds(10))
    }
    // The prompt that ran at the failure gets its chance to finish (or its server is replaced).
    if let running = ClientMeasurement.runningPrompt(
      observer.events.filter { $0.time < failedAt })
    {
      let limit = observer.now() + promptDeadline.inSeconds
      while observer.now() < limit {
        let after = observer.events.filter { $0.time >= failedAt && $0.source == .server }
        if after.contains(where: {
          ClientMeasurement.isPromptEnd($0) && $0.promptID == running.promptID
        }) || after.contains(where: { $0.pid != nil && $0.pid != running.pid }) {
          break
        }
        try? await Task.sleep(for: .milliseconds(10))
      }
    }
    try? await Task.sleep(for: settleTime)
    let exit = client.exitStatus
    return ClientMeasurement.make(
      scenario: scenario, run: run, events: observer.events, failedAt: failedAt,
      causeEndedAt: causeEndedAt, recoveredAt: recoveredAt, clientExit: exit.map { "\($0)" },
      error: error)
  }

  static func isSessionOpen(_ event: ObservedEvent) -> Bool {
    event.source == .server && event.kind == "ws_open"
  }

  static func isPromptStart(_ event: ObservedEvent) -> Bool {
    event.source == .server && event.kind == "message" && event.detail == "execution_start"
  }

  /// A WebSocket upgrade request (a reconnect attempt) reaching the server, or the client saying
  /// it lost its connection. A new TCP connection alone is no sign: it may be any HTTP request.
  static func isNoticeSign(_ event: ObservedEvent) -> Bool {
    (event.source == .server && event.kind == "http"
      && (event.detail?.hasPrefix("GET /ws ") == true
        || event.detail?.hasPrefix("GET /api/ws ") == true))
      || (event.source == .client && event.kind == "disconnected")
  }
}
