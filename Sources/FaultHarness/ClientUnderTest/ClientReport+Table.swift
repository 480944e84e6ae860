import Foundation

/// The client report as text: one block per failure category, a row per scenario.
extension ClientReport {
  public func table() -> String {
    var lines = [
      "Client `\(command)`: \(runs) run(s) per scenario, seed \(seed); measured from outside "
        + "(proxy and server), medians with min–max",
      "noticed: failure → first WebSocket upgrade request at the server or its own `disconnected`; "
        + "reconnected: "
        + "failure → new WebSocket session; restored: cause gone → new session",
    ]
    let header = [
      "scenario", "verdicts", "noticed", "reconnected", "restored", "prompts lost",
      "/history, /queue reads",
    ]
    for category in FailureCategory.allCases {
      let rows = scenarios.filter { $0.scenario.category == category }
      guard !rows.isEmpty else { continue }
      lines.append("")
      lines.append(category == .processCrash ? "PROCESS FAILURES" : "NETWORK FAILURES")
      var cells = [header]
      for row in rows {
        let verdicts = ClientMeasurement.Verdict.allCases.compactMap { verdict -> String? in
          guard let count = row.verdicts[verdict.rawValue] else { return nil }
          return "\(count)/\(row.runs) \(verdict.rawValue)"
        }
        cells.append([
          row.scenario.name + (row.scenario.breaksConnection ? "" : " (no reconnect needed)"),
          verdicts.joined(separator: ", "),
          Self.text(row.noticedAfter, never: "never"),
          Self.text(row.reconnectedAfter, never: "never"),
          Self.text(row.restoredAfter, never: "-"),
          "\(row.promptsLost)/\(row.runs)",
          "\(row.historyReads), \(row.queueReads)",
        ])
      }
      lines += RecoveryReport.align(cells)
    }
    for failed in measurements {
      if let error = failed.error {
        lines.append("run \(failed.run) of \(failed.scenario): \(error)")
      }
      if let exit = failed.clientExit {
        lines.append("run \(failed.run) of \(failed.scenario): the client \(exit) during the run")
      }
    }
    return lines.joined(separator: "\n")
  }

  static func seconds(_ value: Double) -> String { RecoveryReport.seconds(value) }

  private static func text(_ spread: Spread, never: String) -> String {
    guard let median = spread.median, let low = spread.min, let high = spread.max else {
      return never
    }
    return spread.count == 1 || low == high
      ? seconds(median)
      : "\(seconds(median)) (\(String(format: "%.2f", low))–\(String(format: "%.2f", high)))"
  }
}
