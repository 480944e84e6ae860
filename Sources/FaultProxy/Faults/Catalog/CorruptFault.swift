import Foundation

/// Flips bits in the byte stream, at a seeded rate, for testing how a client handles protocol errors:
/// a corrupted byte has exactly one of its bits flipped; no byte is added or removed.
public struct CorruptFault: Fault {
  /// Probability per byte that one of its bits is flipped.
  public var rate: Double
  /// Bytes at the start of the stream that pass untouched (a handshake, a header).
  public var afterBytes: Int

  public init(rate: Double, afterBytes: Int = 0) {
    self.rate = rate
    self.afterBytes = afterBytes
  }

  public static let definition = FaultDefinition<CorruptFault>(
    type: "corrupt", summary: "flips one bit in a seeded share of the bytes; the length is kept",
    defaults: CorruptFault(rate: 0), example: CorruptFault(rate: 0.001, afterBytes: 1024),
    fields: [
      FaultField(
        "rate", \.rate, .probability, .required(example: "rate: 0.1%"),
        doc: "probability per byte that one of its bits is flipped"),
      FaultField(
        "after_bytes", \.afterBytes, .byteSize(),
        doc: "bytes at the start of the stream that pass untouched"),
    ],
    behaviour: .stage { fault, context in CorruptStage(context: context, corrupt: fault) })
}

/// Flips one bit of each chosen byte and passes the chunk on at once.
///
/// The chosen bytes are stream offsets, not positions in reads: the gap before the k-th corrupted
/// byte is geometric, drawn from draw 2k of the fault's key, and the bit from draw 2k + 1, so the same
/// seed corrupts the same bytes however the kernel split the stream.
final class CorruptStage: BaseStage {
  private let corrupt: CorruptFault
  /// Stream offset of the next byte to corrupt; `.max` when none will be.
  private var next: UInt64 = .max
  private var flips: UInt64 = 0

  init(context: StageContext, corrupt: CorruptFault) {
    self.corrupt = corrupt
    super.init(context: context)
    next = advance(from: UInt64(corrupt.afterBytes))
  }

  /// The offset of the next corrupted byte at or after `offset`.
  private func advance(from offset: UInt64) -> UInt64 {
    guard corrupt.rate > 0 else { return .max }
    guard corrupt.rate < 1 else { return offset }
    let draw = context.key.uniform(at: flips &* 2)
    // Geometric gap: bytes skipped before the next corrupted one. 1 - draw is in (0, 1].
    let gap = (log(1 - draw) / log(1 - corrupt.rate)).rounded(.down)
    return gap >= Double(UInt64.max - offset) ? .max : offset &+ UInt64(gap)
  }

  override func receive(_ chunk: Chunk) {
    let end = chunk.streamOffset &+ UInt64(chunk.count)
    var count = 0
    while next < end {
      let bit = context.key.bits(at: flips &* 2 &+ 1) & 7
      let position = chunk.start + Int(next &- chunk.streamOffset)
      chunk.block.base.storeBytes(
        of: chunk.block.base.load(fromByteOffset: position, as: UInt8.self) ^ (1 << bit),
        toByteOffset: position, as: UInt8.self)
      if context.isLogging { context.record("corrupt", bytes: 1, offset: next) }
      flips &+= 1
      count += 1
      next = advance(from: next &+ 1)
    }
    if count > 0 { context.countActions(count) }
    output?.receive(chunk)
  }
}
