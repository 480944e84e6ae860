import Foundation

/// The report as text: process crashes and network failures in two blocks of one table, with a
/// bar per scenario for the outage, then one line per category.
extension RecoveryReport {
  public func table() -> String {
    var lines: [String] = []
    let ping = client.pingIntervalSeconds.map { Self.seconds($0) } ?? "off"
    let silence = client.silenceTimeoutSeconds.map { Self.seconds($0) } ?? "off"
    lines.append(
      "Client recovery: \(repeats) run(s) per scenario, seed \(seed); client pings every \(ping), "
        + "silence deadline \(silence), backoff \(Self.seconds(client.backoffBaseSeconds))"
        + "–\(Self.seconds(client.backoffMaxSeconds))")
    lines.append(
      "noticed: failure → client reports it; reconnected: failure → first reconnect; "
        + "restored: cause gone → client works; outage: failure → client works (medians)")
    let header = [
      "scenario", "recovered", "noticed", "reconnected", "restored", "outage", "max outage",
      "msgs missed",
      "prompts lost", "prompt after", "disconnect reason",
    ]
    let longest = scenarios.compactMap(\.maxOutage).max() ?? 0
    for category in FailureCategory.allCases {
      let rows = scenarios.filter { $0.category == category }
      guard !rows.isEmpty else { continue }
      lines.append("")
      lines.append(category == .processCrash ? "PROCESS FAILURES" : "NETWORK FAILURES")
      var cells = [header]
      for row in rows {
        cells.append([
          row.scenario,
          "\(row.recoveredRuns)/\(row.runs)",
          row.medianNoticedAfter.map(Self.seconds) ?? "never",
          row.medianReconnectedAfter.map(Self.seconds) ?? "-",
          row.medianRestoredAfter.map(Self.seconds) ?? "-",
          row.medianOutage.map(Self.seconds) ?? "-",
          row.maxOutage.map(Self.seconds) ?? "-",
          "\(row.statusBroadcastsMissed)",
          "\(row.promptsLost)/\(row.runs)",
          "\(row.promptsAfterRecoveryOK)/\(row.runs)",
          row.disconnectReasons.isEmpty ? "-" : row.disconnectReasons.joined(separator: ", "),
        ])
      }
      let bars = [""] + rows.map { Self.bar($0.medianOutage ?? 0, of: longest) }
      lines += Self.align(cells).enumerated().map { index, line in line + "  " + bars[index] }
    }
    lines.append("")
    for category in FailureCategory.allCases {
      let runs = measurements.filter { $0.category == category }
      guard !runs.isEmpty else { continue }
      let outages = runs.compactMap(\.outage)
      let noticed = runs.compactMap(\.noticedAfter)
      lines.append(
        "\(category == .processCrash ? "process failures" : "network failures"): "
          + "\(runs.filter(\.recovered).count)/\(runs.count) recovered, "
          + "median noticed \(Self.median(noticed).map(Self.seconds) ?? "never"), "
          + "median outage \(Self.median(outages).map(Self.seconds) ?? "-"), "
          + "prompts lost \(runs.map(\.promptsLost).reduce(0, +))/\(runs.count), "
          + "status broadcasts missed \(runs.map(\.statusBroadcastsMissed).reduce(0, +))")
    }
    for failed in measurements {
      guard let error = failed.error else { continue }
      lines.append("run \(failed.run) of \(failed.scenario) could not be measured: \(error)")
    }
    return lines.joined(separator: "\n")
  }

  static func seconds(_ value: Double) -> String {
    value < 10 ? String(format: "%.2f s", value) : String(format: "%.1f s", value)
  }

  private static func bar(_ value: Double, of longest: Double) -> String {
    guard longest > 0 else { return "" }
    return String(
      repeating: "█", count: max(value > 0 ? 1 : 0, Int((value / longest * 30).rounded())))
  }

  /// Rows of cells as lines, each column padded to its widest cell.
  static func align(_ rows: [[String]]) -> [String] {
    let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    return rows.map { row in
      row.enumerated().map { column, cell in
        cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
      }.joined(separator: "  ")
    }
  }
}
