/// Walks a stream in fixed-size segments so decisions attach to segment numbers, not to read calls.
///
/// `forEachPiece(of:)` cuts a chunk at segment boundaries and reports each piece's segment number.
struct SegmentCursor {
  let segmentSize: Int

  init(segmentSize: Int) {
    self.segmentSize = max(1, segmentSize)
  }

  /// Calls `body` with each piece of `chunk` and its segment number; no array is built on this
  /// per-chunk path.
  func forEachPiece(of chunk: Chunk, _ body: (_ piece: Chunk, _ segment: UInt64) -> Void) {
    var rest = chunk
    let size = UInt64(segmentSize)
    while rest.count > 0 {
      let segment = rest.streamOffset / size
      let segmentEnd = (segment + 1) * size
      let length = Int(min(UInt64(rest.count), segmentEnd - rest.streamOffset))
      if length == rest.count {
        body(rest, segment)
        return
      }
      body(rest.splitPrefix(length), segment)
    }
  }
}

extension Chunk {
  /// Calls `body` with the chunk cut into packets of at most `size` bytes, as a sender's TCP would
  /// segment one write; no array is built on this per-chunk path.
  func forEachPacket(ofSize size: Int, _ body: (Chunk) -> Void) {
    var rest = self
    while rest.count > size { body(rest.splitPrefix(size)) }
    body(rest)
  }
}
