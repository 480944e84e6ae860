import Testing

@testable import FaultProxy

/// The reset stage on a manual clock: after a time, after bytes, at the first byte, and per connection.
@Suite struct ResetStageTests {
  static func rig(
    _ reset: ResetFault, stream: StreamSelector = .upstream, direction: Direction = .upstream,
    seed: UInt64 = 1, clock: ManualClock = ManualClock(), host: RecordingHost? = nil
  ) -> StageRig<ResetStage> {
    StageRig(
      FaultSpec(stream: stream, kind: reset), direction: direction, seed: seed,
      clock: clock, host: host
    ) {
      ResetStage(context: $0, reset: reset)
    }
  }

  @Test func resetsTheTimeAfterTheConnectionOpened() {
    let clock = ManualClock()
    let host = RecordingHost(clock: clock)
    // The connection opened 30 ms before the fault was applied: the time counts from the open.
    clock.advance(by: 30_000_000)
    let rig = Self.rig(
      ResetFault(after: .milliseconds(100), side: .client), clock: clock, host: host)
    rig.send(10, at: rig.at(0))
    rig.advance(to: rig.at(69.999))
    #expect(host.actionList.isEmpty)
    rig.advance(to: rig.at(70))
    #expect(host.actions.map(\.time) == [rig.at(70)])
    #expect(host.actionList == [.abort(resetClient: true, resetUpstream: false)])
    #expect(host.loggedActions == ["reset"])
    rig.send(10, at: rig.at(71))
    #expect(rig.sink.bytes.count == 10)
    #expect(host.discardedBytes[.upstream] == 10)
  }

  @Test func resetsOnceTheBytesHavePassed() {
    let rig = Self.rig(ResetFault(afterBytes: 150))
    let sent = rig.send(100, at: rig.at(0)) + rig.send(100, at: rig.at(5))
    #expect(rig.sink.bytes == Array(sent.prefix(150)))
    #expect(rig.host.actions.map(\.time) == [rig.at(5)])
    #expect(rig.host.actionList == [.abort(resetClient: true, resetUpstream: true)])
    #expect(rig.host.discardedBytes[.upstream] == 50)
    #expect(rig.host.decisions.map(\.bytes) == [150])
  }

  @Test func resetPeerStartsTheClockAtTheFirstByteAndDropsIt() {
    // Built through reset_peer's own definition, as the data plane builds it.
    let peer = ResetPeerFault(timeout: .milliseconds(20))
    let rig = StageRig(FaultSpec(stream: .upstream, kind: peer)) {
      peer.makeStage(context: $0) as! ResetStage
    }
    rig.advance(to: rig.at(500))
    #expect(rig.host.actionList.isEmpty)
    rig.send(10, at: rig.at(500))
    rig.send(10, at: rig.at(510))
    rig.advance(to: rig.at(519.999))
    #expect(rig.host.actionList.isEmpty)
    rig.advance(to: rig.at(520))
    #expect(rig.host.actions.map(\.time) == [rig.at(520)])
    #expect(rig.sink.releases.isEmpty)
    #expect(rig.host.discardedBytes[.upstream] == 20)
  }

  @Test func withStreamBothOnlyTheUpstreamStageKeepsTheTimer() {
    let clock = ManualClock()
    let host = RecordingHost(clock: clock)
    let reset = ResetFault(after: .milliseconds(10))
    let upstream = Self.rig(reset, stream: .both, direction: .upstream, clock: clock, host: host)
    let downstream = Self.rig(
      reset, stream: .both, direction: .downstream, clock: clock, host: host)
    downstream.stage.detach()
    clock.advance(to: upstream.at(10))
    #expect(host.actionList == [.abort(resetClient: true, resetUpstream: true)])
    upstream.stage.detach()
    #expect(!clock.hasPendingTimers)
  }

  @Test func theProbabilityIsDrawnOncePerConnectionFromTheSeed() {
    func resets(seed: UInt64, probability: Double) -> Bool {
      let rig = Self.rig(
        ResetFault(after: .milliseconds(1), probability: probability), seed: seed)
      rig.advance(to: rig.at(1000))
      return !rig.host.actionList.isEmpty
    }
    let seeds: [UInt64] = Array(1...400)
    let drawn = seeds.map { resets(seed: $0, probability: 0.25) }
    #expect(drawn == seeds.map { resets(seed: $0, probability: 0.25) })
    let share = Double(drawn.filter { $0 }.count) / Double(seeds.count)
    #expect(share > 0.15 && share < 0.35)
    #expect(seeds.allSatisfy { !resets(seed: $0, probability: 0) })
    #expect(seeds.allSatisfy { resets(seed: $0, probability: 1) })
  }

  @Test func detachCancelsAPendingReset() {
    let rig = Self.rig(ResetFault(after: .milliseconds(10)))
    rig.stage.detach()
    rig.advance(to: rig.at(1000))
    #expect(rig.host.actionList.isEmpty)
  }
}
