@testable import FaultProxy

extension Chunk {
  /// A chunk holding a copy of `bytes` (at least one), as a read at `arrival` would bring it.
  init(bytes: [UInt8], streamOffset: UInt64, arrival: UInt64) {
    precondition(!bytes.isEmpty, "a read brings at least one byte")
    let block = bytes.withUnsafeBytes { ByteBlock(copying: $0.baseAddress!, count: $0.count) }
    self.init(
      block: block, start: 0, count: bytes.count, streamOffset: streamOffset, arrival: arrival)
  }
}
