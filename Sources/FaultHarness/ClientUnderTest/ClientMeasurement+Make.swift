extension ClientMeasurement {
  /// The measurement of one run from its time line. `recoveredAt` is the first new session's time.
  static func make(
    scenario: RecoveryScenario, run: Int, events: [ObservedEvent], failedAt: Double,
    causeEndedAt: Double, recoveredAt: Double?, clientExit: String?, error: String?
  ) -> ClientMeasurement {
    let before = events.filter { $0.time < failedAt }
    let after = events.filter { $0.time >= failedAt }
    func count(_ list: [ObservedEvent], _ predicate: (ObservedEvent) -> Bool) -> Int {
      list.filter(predicate).count
    }
    let notice = after.first(where: ClientRunner.isNoticeSign)
    let firstSession = before.first(where: ClientRunner.isSessionOpen)
    let lastSessionBefore = before.last(where: ClientRunner.isSessionOpen)
    let newSession = after.first(where: ClientRunner.isSessionOpen)
    let verdict: Verdict =
      recoveredAt != nil ? .recovered : notice != nil ? .noticedNotRecovered : .didNotNotice
    // The prompt running at the failure: the last one started and not finished before it.
    let running = runningPrompt(before)?.promptID
    let inFlight: String
    if let running {
      let end = after.first { isPromptEnd($0) && $0.promptID == running }?.detail
      switch end {
      case "execution_success": inFlight = "completed"
      case "execution_error": inFlight = "failed"
      case "execution_interrupted": inFlight = "interrupted"
      default:
        // Lost when its server is gone (a new process answers); else it was still running when
        // the watch ended.
        let ranOn = runningPrompt(before)?.pid
        inFlight =
          after.contains { $0.source == .server && $0.pid != nil && $0.pid != ranOn }
          ? "lost" : "unfinished"
      }
    } else {
      inFlight = "none"
    }
    let clientLines = events.filter { $0.source == .client }
    var clientEvents: [String: Int] = [:]
    for line in clientLines { clientEvents[line.kind, default: 0] += 1 }
    let reportedDrop = after.first { $0.source == .client && $0.kind == "disconnected" }
    let reportedBack = after.first {
      $0.source == .client && ($0.kind == "reconnected" || $0.kind == "connected")
    }
    return ClientMeasurement(
      scenario: scenario.name, category: scenario.category, run: run, verdict: verdict,
      noticedAfter: notice.map { $0.time - failedAt },
      noticedBy: notice.map {
        $0.source == .server ? "a WebSocket upgrade request" : "its own report"
      },
      newConnectionAfter: after.first { $0.source == .proxy && $0.kind == "tcp_open" }.map {
        $0.time - failedAt
      },
      reconnectedAfter: recoveredAt.map { $0 - failedAt },
      restoredAfter: recoveredAt.map { max(0, $0 - causeEndedAt) },
      causeDuration: causeEndedAt - failedAt,
      clientID: lastSessionBefore?.clientID ?? firstSession?.clientID,
      sameClientID: newSession.map { $0.clientID == lastSessionBefore?.clientID },
      tcpConnectionsBefore: count(before) { $0.source == .proxy && $0.kind == "tcp_open" },
      tcpConnectionsAfter: count(after) { $0.source == .proxy && $0.kind == "tcp_open" },
      sessionsBefore: count(before, ClientRunner.isSessionOpen),
      sessionsAfter: count(after, ClientRunner.isSessionOpen),
      promptsSubmittedBefore: count(before, isPromptAccepted),
      promptsSubmittedAfter: count(after, isPromptAccepted),
      promptsCompletedBefore: count(before) { isPromptEnd($0) && $0.detail == "execution_success" },
      promptsCompletedAfter: count(after) { isPromptEnd($0) && $0.detail == "execution_success" },
      inFlightPrompt: inFlight,
      historyReadsAfter: count(after) { isRead($0, "/history") },
      queueReadsAfter: count(after) { isRead($0, "/queue") },
      clientReportedDisconnectAfter: reportedDrop.map { $0.time - failedAt },
      clientReportedReconnectAfter: reportedBack.map { $0.time - failedAt },
      clientEvents: clientEvents, clientExit: clientExit, error: error, failedAt: failedAt,
      timeline: events.filter { event in
        !(event.kind == "message"
          && ["status", "progress", "preview", "progress_state"].contains(event.detail ?? ""))
      })
  }

  /// The prompt started and not finished in `events`, the last such, with the server's pid.
  static func runningPrompt(_ events: [ObservedEvent]) -> (promptID: String, pid: Int?)? {
    let finished = Set(events.filter(isPromptEnd).compactMap(\.promptID))
    guard
      let start = events.last(where: {
        ClientRunner.isPromptStart($0) && !finished.contains($0.promptID ?? "")
      }), let promptID = start.promptID
    else { return nil }
    return (promptID, start.pid)
  }

  static func isPromptEnd(_ event: ObservedEvent) -> Bool {
    event.source == .server && event.kind == "message"
      && (event.detail == "execution_success" || event.detail == "execution_error"
        || event.detail == "execution_interrupted")
  }

  private static func isPromptAccepted(_ event: ObservedEvent) -> Bool {
    event.source == .server && event.kind == "http"
      && (event.detail == "POST /prompt 200" || event.detail == "POST /api/prompt 200")
  }

  private static func isRead(_ event: ObservedEvent, _ path: String) -> Bool {
    guard event.source == .server, event.kind == "http", let detail = event.detail,
      detail.hasPrefix("GET ")
    else { return false }
    let requested = detail.dropFirst(4).split(separator: " ").first.map(String.init) ?? ""
    let bare = requested.hasPrefix("/api/") ? String(requested.dropFirst(4)) : requested
    return bare == path || bare.hasPrefix(path + "/")
  }
}
