import FaultlineTestSupport
import Foundation
import Testing

@testable import FaultProxy

/// `corrupt` flips bits, seeded by stream offset, and never changes the length of the stream.
@Suite struct CorruptFaultTests {
  /// Sends `data` through a proxy with `fault` on the downstream side, in pieces of `piece` bytes.
  static func corrupted(_ data: [UInt8], fault: CorruptFault, piece: Int, seed: UInt64 = 42)
    async throws -> [UInt8]
  {
    let server = try TestServer { socket in
      for start in stride(from: 0, to: data.count, by: piece) {
        try? socket.send(Array(data[start..<min(start + piece, data.count)]))
      }
      socket.shutdownWrite()
    }
    let proxy = try await ProxyFixture.start(
      upstreamPort: server.port, faults: [FaultSpec(stream: .downstream, kind: fault)], seed: seed)
    let socket = try proxy.connect()
    let received = try await blocking { try socket.receiveAll() }
    socket.close()
    server.stop()
    await proxy.close()
    return received
  }

  @Test func flipsOneBitInAboutRateOfTheBytesAndKeepsTheLength() async throws {
    let data = randomBytes(count: 400_000, seed: 81)
    let received = try await Self.corrupted(data, fault: CorruptFault(rate: 0.01), piece: 7_000)
    #expect(received.count == data.count)
    let changed = zip(data, received).filter { $0 != $1 }
    #expect(changed.allSatisfy { ($0 ^ $1).nonzeroBitCount == 1 })
    // 4,000 expected; a binomial's standard deviation here is about 63.
    #expect((3_600...4_400).contains(changed.count), "\(changed.count) bytes changed")
  }

  @Test func theSameSeedCorruptsTheSameBytesHoweverTheStreamIsSplit() async throws {
    let data = randomBytes(count: 200_000, seed: 82)
    let fault = CorruptFault(rate: 0.002)
    let inLargePieces = try await Self.corrupted(data, fault: fault, piece: 65_536)
    let inSmallPieces = try await Self.corrupted(data, fault: fault, piece: 997)
    #expect(inLargePieces == inSmallPieces)
    #expect(inLargePieces != data)
    let otherSeed = try await Self.corrupted(data, fault: fault, piece: 997, seed: 7)
    #expect(otherSeed != inLargePieces)
  }

  @Test func bytesBeforeAfterBytesPassUntouched() async throws {
    let data = randomBytes(count: 50_000, seed: 83)
    let received = try await Self.corrupted(
      data, fault: CorruptFault(rate: 1, afterBytes: 10_000), piece: 4_096)
    #expect(Array(received.prefix(10_000)) == Array(data.prefix(10_000)))
    #expect(zip(data.dropFirst(10_000), received.dropFirst(10_000)).allSatisfy { $0 != $1 })
  }
}

/// `corrupt` on a manual clock: the split of reads is chosen exactly, which sockets cannot promise.
@Suite struct CorruptStageTests {
  static func corrupted(in pieces: [Int], seed: UInt64 = 3) -> [UInt8] {
    let fault = CorruptFault(rate: 0.01, afterBytes: 100)
    let rig = StageRig(FaultSpec(stream: .upstream, kind: fault), seed: seed) {
      fault.makeStage(context: $0) as! CorruptStage
    }
    for count in pieces { rig.send(count, at: rig.at(0)) }
    return rig.sink.bytes
  }

  @Test func oneReadAndManySmallReadsGetTheSameFlips() {
    let whole = Self.corrupted(in: [20_000])
    let split = Self.corrupted(in: Array(repeating: 7, count: 2_857) + [1])
    #expect(whole.count == 20_000 && split.count == 20_000)
    #expect(whole == split)
    // The counting pattern the rig sends, to see which bytes changed.
    let sent = (0..<20_000).map { UInt8(truncatingIfNeeded: $0) }
    let changed = zip(sent, whole).enumerated().filter { $0.element.0 != $0.element.1 }
    #expect(changed.allSatisfy { $0.offset >= 100 }, "after_bytes spared")
    #expect((120...280).contains(changed.count), "about 1 % of 19,900 bytes: \(changed.count)")
    #expect(Self.corrupted(in: [20_000], seed: 4) != whole, "another seed, other flips")
  }
}
