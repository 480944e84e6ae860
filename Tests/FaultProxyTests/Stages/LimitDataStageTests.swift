import Testing

@testable import FaultProxy

/// The limit_data stage on a manual clock: exactly the limit passes, then the connection finishes.
@Suite struct LimitDataStageTests {
  static func rig(bytes: Int) -> StageRig<LimitDataStage> {
    StageRig(
      FaultSpec(stream: .downstream, kind: LimitDataFault(bytes: bytes)), direction: .downstream
    ) {
      LimitDataStage(context: $0, bytes: bytes)
    }
  }

  @Test func theLimitPassesThenAFinAndTheConnectionFinishes() {
    let rig = Self.rig(bytes: 250)
    let sent =
      rig.send(100, at: rig.at(0)) + rig.send(100, at: rig.at(1)) + rig.send(100, at: rig.at(2))
    #expect(rig.sink.bytes == Array(sent.prefix(250)))
    #expect(rig.sink.end?.end == .fin)
    #expect(rig.sink.end?.time == rig.at(2))
    #expect(rig.host.actionList == [.finishAfterLimit(.downstream)])
    #expect(rig.host.discardedBytes[.downstream] == 50)
    #expect(rig.host.decisions.map(\.bytes) == [250])
    rig.send(10, at: rig.at(3))
    rig.end(.fin, at: rig.at(4))
    #expect(rig.host.discardedBytes[.downstream] == 60)
    #expect(rig.sink.ends.count == 1)
  }

  @Test func aReadEndingExactlyAtTheLimitClosesAtOnce() {
    let rig = Self.rig(bytes: 100)
    rig.send(100, at: rig.at(0))
    #expect(rig.sink.bytes.count == 100)
    #expect(rig.sink.end?.end == .fin)
    #expect(rig.host.discardedBytes[.downstream] == nil)
  }

  @Test func aLimitOfZeroClosesOnTheNextTurnWithoutAnyByte() {
    let rig = Self.rig(bytes: 0)
    #expect(rig.sink.end == nil)
    rig.advance(to: rig.at(0))
    #expect(rig.sink.end?.end == .fin)
    rig.send(10, at: rig.at(1))
    #expect(rig.sink.releases.isEmpty)
    #expect(rig.host.actionList == [.finishAfterLimit(.downstream)])
  }

  @Test func aFinBeforeTheLimitPassesThrough() {
    let rig = Self.rig(bytes: 1000)
    rig.send(10, at: rig.at(0))
    rig.end(.fin, at: rig.at(1))
    #expect(rig.sink.end?.end == .fin)
    #expect(rig.host.actionList.isEmpty)
  }
}
