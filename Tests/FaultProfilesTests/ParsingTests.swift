import FaultProfiles
import FaultProxy
import Testing

@Suite("Profile values and defaults")
struct ParsingTests {
  /// Parses a profile whose only fault is `fault` (YAML flow mapping body) and returns that fault.
  static func fault(_ fault: String) throws -> FaultSpec {
    let yaml = """
      name: t
      description: test
      faults:
        - {\(fault)}
      """
    let profile = try ProfileLoader.parse(yaml: yaml, file: "inline.yaml")
    return try #require(profile.faults.first)
  }

  static func firstError(_ fault: String) throws -> ProfileError {
    try #require(throws: ProfileError.self) { _ = try Self.fault(fault) }
  }

  @Test(
    "durations take ns, us, µs, ms, s, m and h",
    arguments: [
      ("250ms", Duration.milliseconds(250)), ("2s", .seconds(2)), ("1.5s", .milliseconds(1500)),
      ("100us", .microseconds(100)), ("100µs", .microseconds(100)), ("1m", .seconds(60)),
      ("0s", .zero), ("2 ms", .milliseconds(2)), ("1h", .seconds(3600)),
      ("82.5ms", .microseconds(82_500)),
    ])
  func durations(_ text: String, _ expected: Duration) throws {
    #expect(
      try Self.fault("type: slow_close, delay: \(text)").kind as? SlowCloseFault
        == SlowCloseFault(delay: expected))
  }

  @Test(
    "rates: K, M, G are 1000-based, KiB and MiB 1024-based, bits divided by 8",
    arguments: [
      ("400kbit/s", 50_000.0), ("1.5Mbit/s", 187_500), ("1Gbit/s", 125_000_000), ("50KB/s", 50_000),
      ("2MB/s", 2_000_000), ("800B/s", 800), ("1KiB/s", 1024), ("2MiB/s", 2_097_152), ("0B/s", 0),
    ])
  func rates(_ text: String, _ bytesPerSecond: Double) throws {
    let fault = try Self.fault("type: bandwidth, rate: \(text)")
    guard let bandwidth = fault.kind as? BandwidthFault else {
      Issue.record("not a bandwidth fault: \(fault.kind)")
      return
    }
    #expect(abs(bandwidth.bytesPerSecond - bytesPerSecond) < 1e-6)
  }

  @Test(
    "sizes: bare bytes, KB, MiB",
    arguments: [("100", 100), ("64KB", 64_000), ("1MiB", 1_048_576), ("1.5KB", 1500)])
  func sizes(_ text: String, _ bytes: Int) throws {
    #expect(
      try Self.fault("type: limit_data, bytes: \(text)").kind as? LimitDataFault
        == LimitDataFault(bytes: bytes))
  }

  @Test(
    "probabilities: fractions and percentages",
    arguments: [("2%", 0.02), ("0.02", 0.02), ("100%", 1), ("0", 0)])
  func probabilities(_ text: String, _ value: Double) throws {
    let fault = try Self.fault("type: noop, toxicity: \(text)")
    #expect(abs(fault.toxicity - value) < 1e-12)
  }

  @Test("common fields default to both streams, toxicity 1 and the name TYPE_STREAM")
  func commonDefaults() throws {
    let fault = try Self.fault("type: half_close")
    #expect(fault.stream == .both)
    #expect(fault.toxicity == 1)
    #expect(fault.name == "half_close_both")
    #expect(fault.kind is HalfCloseFault)
    #expect(try Self.fault("type: noop, stream: upstream").name == "noop_upstream")
    #expect(try Self.fault("type: noop, name: quiet").name == "quiet")
  }

  @Test("each fault type reads its own fields, with documented defaults")
  func faultTypes() throws {
    #expect(
      try Self.fault(
        "type: latency, latency: 40ms, jitter: 5ms, distribution: pareto, correlation: 25%"
      ).kind as? LatencyFault
        == LatencyFault(
          delay: .milliseconds(40), jitter: .milliseconds(5), distribution: .pareto,
          correlation: 0.25))
    #expect(
      try Self.fault("type: latency, latency: 40ms").kind as? LatencyFault
        == LatencyFault(
          delay: .milliseconds(40), jitter: .zero, distribution: .uniform, correlation: 0))
    #expect(
      try Self.fault("type: bandwidth, rate: 1MB/s, proxy_rate: 4MB/s").kind as? BandwidthFault
        == BandwidthFault(bytesPerSecond: 1e6, proxyBytesPerSecond: 4e6))
    #expect(
      try Self.fault("type: loss, rate: 2%").kind as? LossFault
        == LossFault(
          rate: 0.02, correlation: 0, mode: .retransmit,
          retransmissionTimeout: .milliseconds(200), segmentSize: 1448))
    #expect(
      try Self.fault(
        "type: loss, rate: 1%, correlation: 0.5, mode: discard, rto: 300ms, segment_size: 536"
      ).kind as? LossFault
        == LossFault(
          rate: 0.01, correlation: 0.5, mode: .discard, retransmissionTimeout: .milliseconds(300),
          segmentSize: 536))
    #expect(
      try Self.fault("type: loss, rate: 2%, congestion: reno").kind as? LossFault
        == LossFault(rate: 0.02, congestion: .reno))
    #expect(
      try Self.fault("type: loss, rate: 2%").kind as? LossFault
        == LossFault(rate: 0.02, congestion: .cubic))
    #expect(
      try Self.fault("type: half_open, after: 2s, duration: 3s, reads: discard, side: upstream")
        .kind as? HalfOpenFault
        == HalfOpenFault(
          after: .seconds(2), duration: .seconds(3), reads: .discard, side: .upstream))
    #expect(try Self.fault("type: half_open").kind as? HalfOpenFault == HalfOpenFault())
    #expect(
      try Self.fault("type: reset, after_bytes: 64KB, side: client").kind as? ResetFault
        == ResetFault(afterBytes: 64_000, side: .client))
    #expect(
      try Self.fault("type: reset, after: 0s").kind as? ResetFault == ResetFault(after: .zero))
    #expect(
      try Self.fault("type: reset, probability: 10%").kind as? ResetFault
        == ResetFault(probability: 0.1))
    #expect(
      try Self.fault("type: slicer, average_size: 64, size_variation: 32, delay: 10us").kind
        as? SlicerFault
        == SlicerFault(averageSize: 64, sizeVariation: 32, delay: .microseconds(10)))
    #expect(
      try Self.fault("type: timeout, timeout: 0s").kind as? TimeoutFault
        == TimeoutFault(timeout: .zero))
    #expect(try Self.fault("type: refuse").kind as? RefuseFault == RefuseFault(mode: .closed))
    #expect(
      try Self.fault("type: refuse, mode: reset").kind as? RefuseFault == RefuseFault(mode: .reset))
    #expect(
      try Self.fault("type: refuse, mode: blackhole").kind as? RefuseFault
        == RefuseFault(mode: .blackhole))
    #expect(
      try Self.fault("type: connect_delay, delay: 3s").kind as? ConnectDelayFault
        == ConnectDelayFault(delay: .seconds(3)))
    #expect(
      try Self.fault("type: connect_delay, never: true").kind as? ConnectDelayFault
        == ConnectDelayFault(delay: .zero, never: true))
    #expect(try Self.fault("type: noop").kind is NoopFault)
  }

  @Test("Gilbert-Elliott: loss_in_bad defaults to 1, and the rate is the steady-state loss")
  func gilbertElliott() throws {
    let fault = try Self.fault("type: loss, model: gilbert-elliott, p: 1%, r: 9%")
    guard let loss = fault.kind as? LossFault else {
      Issue.record("not a loss fault: \(fault.kind)")
      return
    }
    #expect(
      loss.model == .gilbertElliott && loss.p == 0.01 && loss.r == 0.09 && loss.lossInBad == 1
        && loss.lossInGood == 0)
    // Bad 1/10 of the time, losing everything there.
    #expect(abs(loss.steadyStateRate - 0.1) < 1e-12)
  }

  @Test("seed, timeline and phase durations are read")
  func seedAndTimeline() throws {
    let yaml = """
      name: timed
      description: test
      seed: 0xFF
      faults:
        - type: latency
          latency: 10ms
      timeline:
        - at: 10s
          duration: 5s
          faults:
            - type: half_open
        - at: 15s
          faults:
            - type: latency
              name: slow
              latency: 300ms
      """
    let profile = try ProfileLoader.parse(yaml: yaml, file: "api-request")
    #expect(profile.seed == 255)
    #expect(profile.faults.count == 1)
    #expect(profile.timeline.map(\.at) == [.seconds(10), .seconds(15)])
    #expect(profile.timeline.map(\.duration) == [.seconds(5), nil])
    #expect(profile.timeline[1].faults.map(\.name) == ["slow"])
  }

  @Test("errors in an inline body carry the given file name")
  func inlineErrors() throws {
    let error = try Self.firstError("type: latency, latency: 10ms, distribution: gaussian")
    #expect(error.file == "inline.yaml")
    #expect(error.line == 4)
    #expect(error.field == "faults[0].distribution")
    #expect(
      error.message == "expected one of uniform, normal, pareto, paretonormal, got \"gaussian\"")
  }

  @Test(
    "bad values name what was found and what was expected",
    arguments: [
      ("type: latency, latency: 5 parsecs", "unknown duration unit \"parsecs\""),
      ("type: latency, latency: [1, 2]", "got a list"),
      ("type: latency, latency: ", "got nothing"),
      ("type: bandwidth, rate: 400", "bare number \"400\"; add a unit, e.g. 400kbit/s"),
      ("type: bandwidth, rate: 400kbit/sec", "did you mean \"kbit/s\""),
      ("type: limit_data, bytes: 1.5", "whole number of bytes"),
      ("type: limit_data, bytes: 64kb", "unknown size unit \"kb\""),
      ("type: slicer, average_size: 10, size_variation: 10", "smaller than average_size"),
      ("type: connect_delay, never: maybe", "expected true or false"),
      ("type: loss, p: 1%", "set model: gilbert-elliott or remove \"p\""),
      ("type: loss, model: gilbert-elliott, p: 1%", "missing required field \"r\""),
      ("type: noop, stream: sideways", "expected one of upstream, downstream, both"),
      ("type: half_open, duration: 0s", "greater than zero"),
    ])
  func badValues(_ fault: String, _ fragment: String) throws {
    let check = ProfileLoader.check(
      yaml: "name: t\ndescription: test\nfaults:\n  - {\(fault)}\n", file: "inline.yaml")
    #expect(check.profile == nil)
    let messages = check.errors.map(\.message)
    #expect(messages.contains { $0.contains(fragment) }, "messages: \(messages)")
    #expect(check.errors.allSatisfy { $0.line == 4 && $0.field.hasPrefix("faults[0]") })
  }
}
