import Testing

@testable import FaultProxy

/// The latency stage on a manual clock: release times, order, packet cutting and seeded jitter.
@Suite struct LatencyStageTests {
  static func rig(_ latency: LatencyFault, seed: UInt64 = 1) -> StageRig<LatencyStage> {
    StageRig(FaultSpec(stream: .upstream, kind: latency), seed: seed) {
      LatencyStage(context: $0, latency: latency)
    }
  }

  @Test func eachReadIsReleasedItsDelayAfterItArrived() {
    let rig = Self.rig(LatencyFault(delay: .milliseconds(50)))
    let first = rig.send(100, at: rig.at(0))
    let second = rig.send(200, at: rig.at(10))
    rig.advance(to: rig.at(59.999))
    #expect(rig.releaseMilliseconds == [50])
    rig.advance(to: rig.at(60))
    #expect(rig.releaseMilliseconds == [50, 60])
    #expect(rig.sink.bytes == first + second)
    #expect(rig.sink.releases.map(\.streamOffset) == [0, 100])
  }

  @Test func theDelayCountsFromTheArrivalNotFromWhenTheStageSawIt() {
    let rig = Self.rig(LatencyFault(delay: .milliseconds(50)))
    rig.send(100, at: rig.at(3), arrival: rig.at(0))
    rig.advance(to: rig.at(100))
    #expect(rig.releaseMilliseconds == [50])
    #expect(rig.host.decisions.map(\.value) == [50])
  }

  @Test func aReadIsCutIntoSegmentsEachWithItsOwnDelay() {
    let rig = Self.rig(LatencyFault(delay: .milliseconds(5)))
    let sent = rig.send(3000, at: rig.at(0))
    rig.advance(to: rig.at(5))
    #expect(rig.sink.sizes == [1448, 1448, 104])
    #expect(rig.sink.bytes == sent)
    #expect(rig.host.loggedActions == ["delay", "delay", "delay"])
    #expect(rig.host.decisions.map(\.value) == [5, 5, 5])
    #expect(rig.host.actionCount == 3)
  }

  @Test func theFinCrossesTheSameDelayAfterTheData() {
    let rig = Self.rig(LatencyFault(delay: .milliseconds(20)))
    rig.send(10, at: rig.at(0))
    rig.end(.fin, at: rig.at(1))
    rig.advance(to: rig.at(20.5))
    #expect(rig.sink.end == nil)
    rig.advance(to: rig.at(21))
    #expect(rig.sink.end?.time == rig.at(21))
    #expect(rig.sink.end?.end == .fin)
  }

  @Test func jitterIsSeededAndNeverReordersTheStream() {
    let latency = LatencyFault(delay: .milliseconds(40), jitter: .milliseconds(30))
    func run(seed: UInt64) -> (times: [UInt64], bytes: [UInt8], sent: [UInt8]) {
      let rig = Self.rig(latency, seed: seed)
      var sent: [UInt8] = []
      for index in 0..<50 { sent += rig.send(10, at: rig.at(Double(index))) }
      rig.advance(to: rig.at(200))
      return (rig.sink.releaseTimes.map { $0 - rig.start }, rig.sink.bytes, sent)
    }
    let first = run(seed: 7)
    #expect(first.times == run(seed: 7).times)
    #expect(first.times != run(seed: 8).times)
    #expect(first.bytes == first.sent)
    #expect(first.times == first.times.sorted())
    for (index, time) in first.times.enumerated() {
      // Within delay ± jitter of its arrival, or held behind an earlier packet's longer delay.
      let arrival = UInt64(index) * 1_000_000
      #expect(time >= arrival + 10_000_000 && time <= UInt64(49) * 1_000_000 + 70_000_000)
    }
    let waits = zip(first.times, first.times.dropFirst()).filter { $0 == $1 }.count
    #expect(waits > 0, "with 30 ms of jitter over 1 ms gaps, some packets wait for the one ahead")
  }

  @Test func flushHandsOverEverythingHeldInOrder() {
    let rig = Self.rig(LatencyFault(delay: .seconds(1)))
    let sent = rig.send(100, at: rig.at(0)) + rig.send(100, at: rig.at(1))
    rig.end(.fin, at: rig.at(2))
    rig.stage.flush()
    rig.stage.detach()
    #expect(rig.sink.bytes == sent)
    #expect(rig.releaseMilliseconds == [2, 2])
    #expect(rig.sink.end?.end == .fin)
    #expect(!rig.clock.hasPendingTimers)
  }
}
