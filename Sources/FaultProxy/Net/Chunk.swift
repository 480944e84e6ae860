/// A run of bytes moving through one direction of a connection, with where it sits in the stream.
///
/// Faults key their decisions to `streamOffset`, not to read calls, so the same bytes get the same
/// decisions however the kernel happened to chunk them.
struct Chunk {
  let block: ByteBlock
  var start: Int
  var count: Int
  /// Offset of the first byte in this direction's stream.
  var streamOffset: UInt64
  /// Monotonic nanoseconds when the proxy read it.
  var arrival: UInt64

  var pointer: UnsafeRawPointer { UnsafeRawPointer(block.base + start) }

  /// Splits off the first `length` bytes; `self` keeps the rest.
  mutating func splitPrefix(_ length: Int) -> Chunk {
    precondition(length > 0 && length < count)
    let prefix = Chunk(
      block: block, start: start, count: length, streamOffset: streamOffset, arrival: arrival)
    start += length
    count -= length
    streamOffset &+= UInt64(length)
    return prefix
  }
}

/// How a direction of a connection ended.
enum StreamEnd: Sendable, Equatable {
  /// An orderly FIN: propagated as a half-close.
  case fin
  /// A reset: propagated as a reset.
  case reset
}
