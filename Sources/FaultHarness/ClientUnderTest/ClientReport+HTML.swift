import Foundation

/// The client report as one self-contained HTML page (no scripts, no external files, readable
/// offline): per scenario an inline SVG chart of the time to notice and to reconnect, median bar
/// with min–max whisker, process failures and network failures side by side.
extension ClientReport {
  public func html() -> String {
    let longest = max(
      1,
      scenarios.flatMap { [$0.noticedAfter.max, $0.reconnectedAfter.max] }.compactMap { $0 }.max()
        ?? 1,
      measurements.map(\.causeDuration).max() ?? 1)
    let scale = (longest * 1.1).rounded(.up)
    var columns: [String] = []
    for category in FailureCategory.allCases {
      let rows = scenarios.filter { $0.scenario.category == category }
      guard !rows.isEmpty else { continue }
      let title = category == .processCrash ? "Process failures" : "Network failures"
      columns.append(
        "<section class=\"column\"><h2>\(title)</h2>\n"
          + rows.map { chart($0, scale: scale) }.joined(separator: "\n") + "</section>")
    }
    return """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8">
      <title>Faultline: how \(Self.escape(command)) recovers</title>
      <style>
      body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; background: #fff; }
      .columns { display: flex; gap: 32px; flex-wrap: wrap; }
      .column { flex: 1 1 420px; }
      figure { margin: 0 0 20px 0; }
      figcaption { font-weight: 600; }
      .summary { color: #555; font-size: 12px; }
      table { border-collapse: collapse; margin-top: 24px; font-size: 12px; }
      td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
      </style></head><body>
      <h1>How the client recovers</h1>
      <p>Client <code>\(Self.escape(command))</code>, \(runs) run(s) per scenario, seed \(seed),
      Faultline \(Self.escape(versions["faultline"] ?? "?")), \(Self.escape(generatedAt)).
      Measured from outside: <b>noticed</b> = failure → first WebSocket upgrade request at the server
      or the client's own <code>disconnected</code> line; <b>reconnected</b> = failure → new WebSocket
      session at the server. Bars: median; whiskers: min–max; dashed line: end of the failure.</p>
      <div class="columns">
      \(columns.joined(separator: "\n"))
      </div>
      \(runTable())
      </body></html>
      """
  }

  private func chart(_ row: ClientScenarioSummary, scale: Double) -> String {
    let width = 420.0
    let left = 90.0
    let plot = width - left - 20
    func x(_ seconds: Double) -> Double { left + plot * min(seconds, scale) / scale }
    var shapes: [String] = []
    let bars: [(String, Spread, String)] = [
      ("noticed", row.noticedAfter, "#e69f00"), ("reconnected", row.reconnectedAfter, "#0072b2"),
    ]
    for (index, (label, spread, colour)) in bars.enumerated() {
      let y = 10.0 + Double(index) * 30
      shapes.append(
        "<text x=\"\(left - 6)\" y=\"\(y + 14)\" text-anchor=\"end\" font-size=\"12\">\(label)</text>"
      )
      guard let median = spread.median, let low = spread.min, let high = spread.max else {
        shapes.append(
          "<text x=\"\(left + 4)\" y=\"\(y + 14)\" font-size=\"12\" fill=\"#c00\">never (\(row.runs)/\(row.runs) runs)</text>"
        )
        continue
      }
      shapes.append(
        "<rect class=\"bar\" x=\"\(left)\" y=\"\(y + 2)\" width=\"\(Self.number(max(1, x(median) - left)))\" height=\"16\" fill=\"\(colour)\"><title>\(label) median \(Self.seconds(median))</title></rect>"
      )
      shapes.append(
        "<line x1=\"\(Self.number(x(low)))\" x2=\"\(Self.number(x(high)))\" y1=\"\(y + 10)\" y2=\"\(y + 10)\" stroke=\"#222\" stroke-width=\"1.5\"/>"
      )
      for end in [low, high] {
        shapes.append(
          "<line x1=\"\(Self.number(x(end)))\" x2=\"\(Self.number(x(end)))\" y1=\"\(y + 5)\" y2=\"\(y + 15)\" stroke=\"#222\" stroke-width=\"1.5\"/>"
        )
      }
      shapes.append(
        "<text x=\"\(Self.number(x(high) + 4))\" y=\"\(y + 14)\" font-size=\"11\">\(Self.seconds(median))\(spread.count < row.runs ? " (\(spread.count)/\(row.runs) runs)" : "")</text>"
      )
    }
    let cause =
      RecoveryReport.median(
        measurements.filter { $0.scenario == row.scenario.name }.map(\.causeDuration)) ?? 0
    shapes.append(
      "<line x1=\"\(Self.number(x(cause)))\" x2=\"\(Self.number(x(cause)))\" y1=\"4\" y2=\"70\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>"
    )
    // The axis: a tick per second (or per 5 s on long scales).
    let step = scale > 20 ? 5.0 : 1.0
    shapes.append(
      "<line x1=\"\(left)\" x2=\"\(left + plot)\" y1=\"72\" y2=\"72\" stroke=\"#222\"/>")
    for tick in stride(from: 0.0, through: scale, by: step) {
      shapes.append(
        "<text x=\"\(Self.number(x(tick)))\" y=\"86\" font-size=\"10\" text-anchor=\"middle\">\(Int(tick)) s</text>"
      )
    }
    let verdicts = row.verdicts.sorted { $0.key < $1.key }.map {
      "\($0.value)/\(row.runs) \($0.key)"
    }
    .joined(separator: ", ")
    return """
      <figure data-scenario="\(Self.escape(row.scenario.name))"><figcaption>\(Self.escape(row.scenario.name)): \(Self.escape(verdicts))</figcaption>
      <div class="summary">\(Self.escape(row.scenario.summary))</div>
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="92" viewBox="0 0 \(Int(width)) 92" role="img" aria-label="\(Self.escape(row.scenario.name)) recovery times">
      \(shapes.joined(separator: "\n"))
      </svg></figure>
      """
  }

  private func runTable() -> String {
    let header =
      "<tr><th>scenario</th><th>run</th><th>verdict</th><th>noticed</th><th>by</th><th>new TCP connection</th><th>reconnected</th><th>restored</th><th>TCP conns after</th><th>sessions after</th><th>same clientId</th><th>in-flight prompt</th><th>/history</th><th>/queue</th><th>client said</th></tr>"
    let rows = measurements.map { run -> String in
      func time(_ value: Double?, _ none: String) -> String { value.map(Self.seconds) ?? none }
      let said: [String] = run.clientEvents.sorted { $0.key < $1.key }.map {
        "\($0.key) ×\($0.value)"
      }
      var cells: [String] = [run.scenario, "\(run.run)", run.verdict.rawValue]
      cells += [time(run.noticedAfter, "never"), run.noticedBy ?? "-"]
      cells += [time(run.newConnectionAfter, "none"), time(run.reconnectedAfter, "never")]
      cells += [time(run.restoredAfter, "-"), "\(run.tcpConnectionsAfter)", "\(run.sessionsAfter)"]
      cells.append(run.sameClientID.map { $0 ? "yes" : "no" } ?? "-")
      cells += [run.inFlightPrompt, "\(run.historyReadsAfter)", "\(run.queueReadsAfter)"]
      cells.append(said.joined(separator: ", "))
      return "<tr>" + cells.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>"
    }
    return "<table>\(header)\n\(rows.joined(separator: "\n"))</table>"
  }

  private static func number(_ value: Double) -> String { String(format: "%.1f", value) }

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}
