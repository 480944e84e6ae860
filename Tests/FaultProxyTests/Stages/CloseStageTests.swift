import Testing

@testable import FaultProxy

/// The stages that end a stream or a connection (half_close, slow_close, timeout) on a manual clock.
@Suite struct CloseStageTests {
  static func spec(_ kind: any Fault, _ stream: StreamSelector = .downstream) -> FaultSpec {
    FaultSpec(stream: stream, kind: kind)
  }

  @Test func halfCloseSendsAFinOnTheNextTurnAndDropsLaterBytes() {
    let rig = StageRig(Self.spec(HalfCloseFault()), direction: .downstream) {
      HalfCloseStage(context: $0)
    }
    #expect(rig.sink.end == nil)
    rig.advance(to: rig.at(0))
    #expect(rig.sink.end?.end == .fin)
    rig.send(10, at: rig.at(1))
    rig.end(.fin, at: rig.at(2))
    #expect(rig.sink.releases.isEmpty)
    #expect(rig.host.discardedBytes[.downstream] == 10)
    #expect(rig.sink.ends.count == 1)
    rig.end(.reset, at: rig.at(3))
    #expect(rig.sink.ends.map(\.end) == [.fin, .reset])
  }

  @Test func slowCloseDelaysOnlyTheFin() {
    let rig = StageRig(Self.spec(SlowCloseFault(delay: .milliseconds(30))), direction: .downstream)
    {
      SlowCloseStage(context: $0, delay: .milliseconds(30))
    }
    rig.send(10, at: rig.at(0))
    #expect(rig.releaseMilliseconds == [0])
    rig.end(.fin, at: rig.at(5))
    rig.advance(to: rig.at(34.999))
    #expect(rig.sink.end == nil)
    rig.advance(to: rig.at(35))
    #expect(rig.sink.end?.time == rig.at(35))
    #expect(rig.host.decisions.map(\.value) == [30])
  }

  @Test func slowCloseLetsAResetThroughAtOnce() {
    let rig = StageRig(Self.spec(SlowCloseFault(delay: .milliseconds(30))), direction: .downstream)
    {
      SlowCloseStage(context: $0, delay: .milliseconds(30))
    }
    rig.end(.reset, at: rig.at(5))
    #expect(rig.sink.end?.time == rig.at(5))
    #expect(rig.sink.end?.end == .reset)
  }

  @Test func timeoutDropsEverythingThenClosesBoth() {
    let timeout = TimeoutFault(timeout: .milliseconds(100))
    let rig = StageRig(Self.spec(timeout), direction: .downstream) {
      TimeoutStage(context: $0, timeout: .milliseconds(100))
    }
    rig.send(10, at: rig.at(0))
    rig.end(.fin, at: rig.at(1))
    rig.advance(to: rig.at(99.999))
    #expect(rig.host.actionList.isEmpty)
    rig.advance(to: rig.at(100))
    #expect(rig.host.actionList == [.closeBoth])
    #expect(rig.host.actions.map(\.time) == [rig.at(100)])
    #expect(rig.sink.releases.isEmpty && rig.sink.end == nil)
    #expect(rig.host.discardedBytes[.downstream] == 10)
  }

  @Test func timeoutZeroNeverCloses() {
    let rig = StageRig(Self.spec(TimeoutFault(timeout: .zero)), direction: .downstream) {
      TimeoutStage(context: $0, timeout: .zero)
    }
    rig.send(10, at: rig.at(0))
    #expect(!rig.clock.hasPendingTimers)
    #expect(rig.host.discardedBytes[.downstream] == 10)
  }

  @Test func timeoutWithStreamBothClosesOnce() {
    let clock = ManualClock()
    let host = RecordingHost(clock: clock)
    let spec = Self.spec(TimeoutFault(timeout: .milliseconds(10)), .both)
    let upstream = StageRig(spec, direction: .upstream, clock: clock, host: host) {
      TimeoutStage(context: $0, timeout: .milliseconds(10))
    }
    _ = StageRig(spec, direction: .downstream, clock: clock, host: host) {
      TimeoutStage(context: $0, timeout: .milliseconds(10))
    }
    clock.advance(to: upstream.at(1000))
    #expect(host.actionList == [.closeBoth])
  }
}
