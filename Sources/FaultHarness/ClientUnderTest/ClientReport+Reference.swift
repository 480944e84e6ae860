import Foundation

extension ClientReport {
  /// The reference client's report in the same shape, so that `compare --out` draws the same
  /// charts for it: its own events stand for the outside view (its `disconnected` is "noticed",
  /// its `reconnected` the new session).
  public init(reference report: RecoveryReport, scenarios: [RecoveryScenario]) {
    let measurements = report.measurements.map { run in
      ClientMeasurement(
        scenario: run.scenario, category: run.category, run: run.run,
        verdict: run.reconnectedAfter != nil
          ? .recovered : run.noticedAfter != nil ? .noticedNotRecovered : .didNotNotice,
        noticedAfter: run.noticedAfter, noticedBy: run.noticedAfter.map { _ in "its own report" },
        newConnectionAfter: nil, reconnectedAfter: run.reconnectedAfter,
        restoredAfter: run.reconnectedAfter == nil ? nil : run.restoredAfter,
        causeDuration: max(0, (run.outage ?? 0) - (run.restoredAfter ?? 0)), clientID: nil,
        sameClientID: nil, tcpConnectionsBefore: 0, tcpConnectionsAfter: 0, sessionsBefore: 0,
        sessionsAfter: 0, promptsSubmittedBefore: 1,
        promptsSubmittedAfter: run.promptAfterRecovery ? 1 : 0,
        promptsCompletedBefore: 0, promptsCompletedAfter: 0, inFlightPrompt: run.inFlightPrompt,
        historyReadsAfter: 0, queueReadsAfter: 0,
        clientReportedDisconnectAfter: run.noticedAfter,
        clientReportedReconnectAfter: run.reconnectedAfter, clientEvents: [:], clientExit: nil,
        error: run.error, failedAt: 0, timeline: [])
    }
    self.init(
      command: "the reference client (ComfyClient, in process)", scenarios: scenarios,
      measurements: measurements, runs: report.repeats, seed: report.seed)
  }
}
