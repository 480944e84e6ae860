import Testing

@testable import FaultProxy

/// The slicer stage on a manual clock: piece sizes and spacing.
@Suite struct SlicerStageTests {
  static func rig(_ slicer: SlicerFault, seed: UInt64 = 1) -> StageRig<SlicerStage> {
    StageRig(
      FaultSpec(stream: .downstream, kind: slicer), direction: .downstream, seed: seed
    ) {
      SlicerStage(context: $0, slicer: slicer)
    }
  }

  @Test func piecesOfTheAverageSizeLeaveTheDelayApart() {
    let rig = Self.rig(SlicerFault(averageSize: 100, delay: .milliseconds(5)))
    let sent = rig.send(350, at: rig.at(0))
    rig.advance(to: rig.at(100))
    #expect(rig.sink.sizes == [100, 100, 100, 50])
    #expect(rig.releaseMilliseconds == [0, 5, 10, 15])
    #expect(rig.sink.bytes == sent)
  }

  @Test func aReadArrivingWhilePiecesWaitQueuesBehindThem() {
    let rig = Self.rig(SlicerFault(averageSize: 100, delay: .milliseconds(5)))
    let sent = rig.send(250, at: rig.at(0)) + rig.send(150, at: rig.at(1))
    rig.advance(to: rig.at(100))
    #expect(rig.sink.sizes == [100, 100, 50, 100, 50])
    #expect(rig.releaseMilliseconds == [0, 5, 10, 10, 15])
    #expect(rig.sink.bytes == sent)
  }

  @Test func sizesVaryWithinTheVariationAsTheSeedSays() {
    let slicer = SlicerFault(averageSize: 50, sizeVariation: 20, delay: .milliseconds(1))
    func sizes(seed: UInt64) -> [Int] {
      let rig = Self.rig(slicer, seed: seed)
      let sent = rig.send(5000, at: rig.at(0))
      rig.advance(to: rig.at(1000))
      #expect(rig.sink.bytes == sent)
      return rig.sink.sizes
    }
    let first = sizes(seed: 3)
    #expect(first == sizes(seed: 3))
    #expect(first != sizes(seed: 4))
    #expect(first.dropLast().allSatisfy { (30...70).contains($0) })
    #expect(Set(first).count > 10)
  }

  @Test func theFinGoesAfterTheLastPiece() {
    let rig = Self.rig(SlicerFault(averageSize: 100, delay: .milliseconds(5)))
    rig.send(300, at: rig.at(0))
    rig.end(.fin, at: rig.at(1))
    rig.advance(to: rig.at(100))
    #expect(rig.sink.end?.time == rig.at(10))
  }
}
