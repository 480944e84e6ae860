import FaultProxy
import Foundation
import Hummingbird

/// `/metrics` in Prometheus text format: Toxiproxy's byte counters with its names and labels, then ours.
struct MetricsRoute: Sendable {
  let directory: ProxyDirectory

  func add(to router: Router<BasicRequestContext>) {
    router.get("/metrics") { _, _ in
      var headers = HTTPFields()
      headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
      return Response(
        status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: render())))
    }
  }

  private struct Sample {
    var labels: String
    var stats: ProxyStats
  }

  /// The exposition text: every counter read atomically from the engine, no loop round trip.
  func render() -> String {
    let samples = directory.engine.proxies().compactMap { info -> Sample? in
      guard let stats = try? directory.engine.stats(named: info.name) else { return nil }
      let labels =
        "listener=\"\(escape(info.listen.description))\",proxy=\"\(escape(info.name))\",upstream=\"\(escape(directory.names.upstreamText(of: info)))\""
      return Sample(labels: labels, stats: stats)
    }
    var text = ""
    func family(_ name: String, _ type: String, _ help: String, _ lines: (Sample) -> [String]) {
      text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
      for sample in samples { for line in lines(sample) { text += "\(name)\(line)\n" } }
    }
    func perDirection(_ counts: KeyPath<ProxyStats, [Direction: UInt64]>) -> (Sample) -> [String] {
      { sample in
        Direction.allCases.map {
          "{direction=\"\($0.rawValue)\",\(sample.labels)} \(sample.stats[keyPath: counts][$0] ?? 0)"
        }
      }
    }
    family(
      "toxiproxy_proxy_received_bytes_total", "counter",
      "The total bytes received from the client (upstream) or the server (downstream).",
      perDirection(\.receivedBytes))
    family(
      "toxiproxy_proxy_sent_bytes_total", "counter",
      "The total bytes sent to the server (upstream) or the client (downstream).",
      perDirection(\.sentBytes))
    family("faultline_proxy_fault_actions_total", "counter", "Decisions taken by faults.") {
      ["{\($0.labels)} \($0.stats.faultActions)"]
    }
    family("faultline_proxy_connections_open", "gauge", "Client connections open now.") {
      ["{\($0.labels)} \($0.stats.connectionsOpen)"]
    }
    family("faultline_proxy_connections_total", "counter", "Client connections accepted.") {
      ["{\($0.labels)} \($0.stats.connectionsTotal)"]
    }
    family("faultline_proxy_resets_sent_total", "counter", "Connections closed with a TCP reset.") {
      ["{\($0.labels)} \($0.stats.resetsSent)"]
    }
    family(
      "faultline_proxy_upstream_connect_failures_total", "counter",
      "Upstream connections that failed."
    ) { ["{\($0.labels)} \($0.stats.upstreamConnectFailures)"] }
    return text
  }

  private func escape(_ value: String) -> String {
    value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
      .replacingOccurrences(of: "\n", with: "\\n")
  }
}
