import ChildProcess
import FaultHarness
import FaultProxy
import Foundation
import Testing

/// The scenario clock as `ProxyManager` fills it, and the HTTP probe's parsing.
@Suite struct ScenarioClockTests {
  @Test func theProxyManagerRecordsWhenEachFaultBeganAndEnded() async throws {
    let clock = ScenarioClock()
    try await TestSupport.withServer { _, server in
      try await ProxyManager.with(clock: clock) { proxies in
        try await proxies.addProxy(upstreamPort: server.port)
        try await proxies.addFault(
          FaultSpec(name: "lag", kind: LatencyFault(delay: .milliseconds(20))))
        try await proxies.withFault(
          FaultSpec(name: "cut", kind: HalfOpenFault()), for: .milliseconds(100))
        #expect(try proxies.engine.faults(forProxy: "comfy").map(\.name) == ["lag"])
        clock.mark("checkpoint")
        try await proxies.clearFaults()
        #expect(try proxies.engine.faults(forProxy: "comfy").isEmpty)
      }
    }
    let intervals = clock.intervals
    #expect(intervals.map(\.name) == ["lag", "cut"])
    #expect(intervals.allSatisfy { $0.ended != nil }, "\(clock)")
    let cut = try #require(intervals.last)
    #expect(try #require(cut.ended) - cut.began >= 0.1, "\(clock)")
    #expect(clock.timeline.contains { $0.kind == .mark && $0.name == "checkpoint" })
    #expect(clock.description.contains("began cut"), "\(clock)")
  }

  @Test func theProbeReadsPlainAndChunkedBodies() throws {
    let plain = try HTTPProbe.parse(
      Array("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}".utf8), request: "GET /x")
    #expect(plain.status == 404)
    #expect(plain.object?.isEmpty == true)
    let chunked = try HTTPProbe.parse(
      Array(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n: 1\r\n1\r\n}\r\n0\r\n\r\n"
          .utf8), request: "GET /y")
    #expect(chunked.object?["a"] as? Int == 1)
    #expect(throws: HTTPProbe.Failure.self) {
      try HTTPProbe.parse(Array("garbage".utf8), request: "GET /z")
    }
  }
}

/// Profiles applied through `ProxyManager`.
@Suite struct ProxyManagerProfileTests {
  @Test func aProfileFileIsAppliedRecordedAndClearedAndABadOneNamesItsFile() async throws {
    let directory = try ScratchDirectory.create(prefix: "faultline-profiles-test")
    defer { try? FileManager.default.removeItem(at: directory) }
    let good = directory.appendingPathComponent("slow.yaml")
    try """
    name: slow
    description: 100 ms downstream.
    faults:
      - type: latency
        stream: downstream
        latency: 100ms
    """.write(to: good, atomically: true, encoding: .utf8)
    let bad = directory.appendingPathComponent("bad.yaml")
    try "name: bad\ndescription: x\nfaults:\n  - type: latncy\n".write(
      to: bad, atomically: true, encoding: .utf8)

    let clock = ScenarioClock()
    try await TestSupport.withServer { _, server in
      try await ProxyManager.with(clock: clock) { proxies in
        let port = try await proxies.addProxy(upstreamPort: server.port)
        try await proxies.applyProfile(file: good.path)
        let start = ContinuousClock.now
        #expect(try await HTTPProbe.request("GET", "/queue", port: port).status == 200)
        #expect(ContinuousClock.now - start >= .milliseconds(100), "the profile's latency applies")
        let error = await #expect(throws: (any Error).self) {
          try await proxies.applyProfile(file: bad.path)
        }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains("bad.yaml") && message.contains("latncy"), "\(message)")
        try await proxies.clearFaults()
        #expect(try proxies.engine.activeFaults(forProxy: "comfy").isEmpty)
      }
    }
    #expect(clock.intervals.contains { $0.name == "profile slow" && $0.ended != nil }, "\(clock)")
  }
}
