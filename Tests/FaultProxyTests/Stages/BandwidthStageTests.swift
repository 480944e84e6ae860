import Testing

@testable import FaultProxy

/// The bandwidth stage on a manual clock: token bucket spacing per connection and across a proxy.
@Suite struct BandwidthStageTests {
  static func rig(
    _ bandwidth: BandwidthFault, clock: ManualClock = ManualClock(), host: RecordingHost? = nil
  ) -> StageRig<BandwidthStage> {
    StageRig(
      FaultSpec(stream: .downstream, kind: bandwidth), direction: .downstream,
      clock: clock, host: host
    ) { context in
      BandwidthStage(
        context: context, bandwidth: bandwidth,
        shared: bandwidth.proxyBytesPerSecond.map {
          context.host.sharedBucket(for: context.fault.key, direction: context.direction, rate: $0)
        })
    }
  }

  /// Gaps between releases, in nanoseconds.
  static func gaps(_ times: [UInt64], from start: UInt64) -> [UInt64] {
    zip([start] + times, times).map { $1 - $0 }
  }

  /// Equal within a nanosecond (the stage turns bytes / rate into whole nanoseconds).
  static func close(_ values: [UInt64], _ expected: UInt64) -> Bool {
    values.allSatisfy { $0 >= expected - 1 && $0 <= expected + 1 }
  }

  @Test func piecesLeaveOneTransmissionTimeApart() {
    // 125 kB/s: pieces of one segment (10 ms of bytes is less), each taking 11.584 ms.
    let rig = Self.rig(BandwidthFault(bytesPerSecond: 125_000))
    let sent = rig.send(1448 * 3 + 100, at: rig.at(0))
    rig.advance(to: rig.at(1000))
    #expect(rig.sink.sizes == [1448, 1448, 1448, 100])
    #expect(rig.sink.bytes == sent)
    #expect(
      Self.close(Array(Self.gaps(rig.sink.releaseTimes, from: rig.start).prefix(3)), 11_584_000))
    #expect(Self.close([rig.sink.releaseTimes[3] - rig.sink.releaseTimes[2]], 800_000))
  }

  @Test func anIdleBucketStartsFromTheArrivalNotFromTheLastSend() {
    let rig = Self.rig(BandwidthFault(bytesPerSecond: 200_000))
    rig.send(2000, at: rig.at(0))
    rig.send(2000, at: rig.at(100))
    rig.advance(to: rig.at(1000))
    #expect(Self.close([rig.sink.releaseTimes[0] - rig.at(0)], 10_000_000))
    #expect(Self.close([rig.sink.releaseTimes[1] - rig.at(100)], 10_000_000))
  }

  @Test func theProxyRateIsSharedByEveryConnection() {
    let clock = ManualClock()
    let host = RecordingHost(clock: clock)
    let bandwidth = BandwidthFault(bytesPerSecond: 200_000, proxyBytesPerSecond: 100_000)
    let first = Self.rig(bandwidth, clock: clock, host: host)
    let second = Self.rig(bandwidth, clock: clock, host: host)
    first.send(2000, at: first.at(0))
    second.send(2000, at: first.at(0))
    clock.advance(to: first.at(1000))
    // Alone each would leave after 10 ms; the proxy's 100 kB/s books 20 ms for each in turn.
    #expect(Self.close([first.sink.releaseTimes[0] - first.start], 20_000_000))
    #expect(Self.close([second.sink.releaseTimes[0] - first.start], 40_000_000))
  }

  @Test func theFinFollowsTheLastPiece() {
    let rig = Self.rig(BandwidthFault(bytesPerSecond: 200_000))
    rig.send(4000, at: rig.at(0))
    rig.end(.fin, at: rig.at(1))
    rig.advance(to: rig.at(1000))
    #expect(rig.sink.end?.time == rig.sink.releaseTimes.last)
  }

  @Test func aRateOfZeroHoldsEverythingUntilTheFaultGoes() {
    let rig = Self.rig(BandwidthFault(bytesPerSecond: 0))
    let sent = rig.send(500, at: rig.at(0))
    rig.end(.fin, at: rig.at(1))
    rig.advance(to: rig.at(60_000))
    #expect(rig.sink.releases.isEmpty && rig.sink.end == nil)
    rig.stage.flush()
    #expect(rig.sink.bytes == sent)
    #expect(rig.sink.end?.end == .fin)
  }
}
