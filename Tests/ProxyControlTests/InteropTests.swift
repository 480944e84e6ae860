import Foundation
import Testing

@Suite("Real Toxiproxy clients drive Faultline unchanged")
struct InteropTests {
  @Test(
    "toxiproxy-python from PyPI: create, toxics on live traffic, disable/enable, reset",
    .timeLimit(.minutes(2)))
  func pythonClient() async throws {
    let python = try RepositoryPaths.python()
    let script = RepositoryPaths.root.appendingPathComponent(
      "Tests/interop/toxiproxy_python_client.py")
    try await ControlFixture.with { fixture in
      let child = try ChildRun(
        python, [script.path],
        environment: [
          "TOXIPROXY_HOST": "127.0.0.1", "TOXIPROXY_PORT": String(fixture.client.port),
          "ECHO_UPSTREAM": fixture.upstream,
        ])
      let result = try await child.finish(timeout: 90)
      #expect(result.status == 0, "interop script failed:\n\(result.output)\n\(result.errors)")
      let report = try #require(
        try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any],
        "no JSON report:\n\(result.output)\n\(result.errors)")
      let baseline = try #require(report["baseline_rtt"] as? Double)
      let withLatency = try #require(report["latency_rtt"] as? Double)
      #expect(withLatency >= 0.3, "latency toxic of 300 ms gave a round trip of \(withLatency) s")
      #expect(withLatency > baseline + 0.25)
      #expect(report["disabled_refused"] as? Bool == true)
      #expect(report["reset_cleared"] as? Bool == true)
    }
  }
}
