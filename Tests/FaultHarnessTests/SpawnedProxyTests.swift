import ChildProcess
import ComfyClient
import FaultHarness
import Foundation
import Testing

/// A proxy in its own process, its faults from a profile file.
@Suite struct SpawnedProxyTests {
  @Test func aSpawnedProxyAppliesItsProfileAndStopsOnSIGTERM() async throws {
    let directory = try ScratchDirectory.create(prefix: "faultline-spawned-proxy-test")
    defer { try? FileManager.default.removeItem(at: directory) }
    let profile = directory.appendingPathComponent("slow.yaml")
    try """
    name: slow
    description: 150 ms each way, to see that the profile is applied.
    faults:
      - type: latency
        latency: 150ms
    """.write(to: profile, atomically: true, encoding: .utf8)

    try await TestSupport.withServer { _, server in
      let proxy = try await SpawnedProxy.start(upstreamPort: server.port, profile: profile.path)
      defer { proxy.process.signal(SIGKILL) }
      let start = ContinuousClock.now
      let answer = try await HTTPProbe.request("GET", "/queue", port: proxy.port)
      #expect(answer.status == 200)
      #expect(ContinuousClock.now - start >= .milliseconds(300), "both ways delayed by 150 ms")
      #expect(await proxy.stop() == .exited(code: 0))
    }
  }
}
