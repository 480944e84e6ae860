import Testing

@testable import FaultProxy

/// The half_open stage on a manual clock: the silence window, reads stopped, the held FIN.
@Suite struct HalfOpenStageTests {
  static func rig(_ halfOpen: HalfOpenFault) -> StageRig<HalfOpenStage> {
    StageRig(FaultSpec(stream: .upstream, kind: halfOpen)) {
      HalfOpenStage(context: $0, halfOpen: halfOpen)
    }
  }

  @Test func silenceStopsReadsDropsWhatWasReadAndHoldsTheFinUntilItEnds() {
    let rig = Self.rig(HalfOpenFault(after: .milliseconds(10), duration: .milliseconds(50)))
    let before = rig.send(100, at: rig.at(5))
    #expect(rig.sink.bytes == before)
    rig.advance(to: rig.at(10))
    #expect(rig.host.actions.map(\.time) == [rig.at(10)])
    #expect(rig.host.isPaused(.upstream))
    rig.send(30, at: rig.at(20))
    rig.end(.fin, at: rig.at(30))
    #expect(rig.sink.bytes == before)
    #expect(rig.sink.end == nil)
    #expect(rig.host.discardedBytes[.upstream] == 30)
    rig.advance(to: rig.at(59.999))
    #expect(rig.host.isPaused(.upstream))
    rig.advance(to: rig.at(60))
    #expect(!rig.host.isPaused(.upstream))
    #expect(rig.sink.end?.time == rig.at(60))
    #expect(rig.host.loggedActions == ["half_open", "discard", "resume"])
  }

  @Test func withReadsDiscardTheSourceKeepsBeingRead() {
    let rig = Self.rig(HalfOpenFault(reads: .discard))
    rig.advance(to: rig.at(0))
    rig.send(10, at: rig.at(1))
    #expect(rig.host.actionList.isEmpty)
    #expect(rig.host.discardedBytes[.upstream] == 10)
    #expect(rig.sink.releases.isEmpty)
  }

  @Test func theUpstreamSideIsForgottenThenTheClientMeetsAReset() {
    let rig = Self.rig(
      HalfOpenFault(after: .milliseconds(10), duration: .milliseconds(20), side: .upstream))
    rig.advance(to: rig.at(100))
    #expect(
      rig.host.actionList == [
        .forgetUpstream, .pauseReading(.upstream), .abort(resetClient: true, resetUpstream: false),
      ])
    #expect(rig.host.actions.map(\.time) == [rig.at(10), rig.at(10), rig.at(30)])
  }

  @Test func removingTheFaultEndsTheSilence() {
    let rig = Self.rig(HalfOpenFault())
    rig.advance(to: rig.at(0))
    rig.end(.fin, at: rig.at(5))
    rig.stage.flush()
    rig.stage.detach()
    #expect(rig.host.actionList == [.pauseReading(.upstream), .resumeReading(.upstream)])
    #expect(rig.sink.end?.end == .fin)
    #expect(!rig.clock.hasPendingTimers)
  }
}
