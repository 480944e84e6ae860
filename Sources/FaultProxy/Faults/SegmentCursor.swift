/// Walks a stream in fixed-size segments so decisions attach to segment numbers, not to read calls.
///
/// `pieces(of:)` cuts a chunk at segment boundaries and reports, for each piece, its segment number and
/// whether the piece starts that segment (the moment a per-segment decision is taken).
struct SegmentCursor {
  let segmentSize: Int

  init(segmentSize: Int) {
    self.segmentSize = max(1, segmentSize)
  }

  struct Piece {
    var chunk: Chunk
    var segment: UInt64
    var startsSegment: Bool
  }

  func pieces(of chunk: Chunk) -> [Piece] {
    var rest = chunk
    var result: [Piece] = []
    let size = UInt64(segmentSize)
    while rest.count > 0 {
      let segment = rest.streamOffset / size
      let segmentEnd = (segment + 1) * size
      let length = Int(min(UInt64(rest.count), segmentEnd - rest.streamOffset))
      let starts = rest.streamOffset % size == 0
      if length == rest.count {
        result.append(Piece(chunk: rest, segment: segment, startsSegment: starts))
        break
      }
      result.append(Piece(chunk: rest.splitPrefix(length), segment: segment, startsSegment: starts))
    }
    return result
  }
}

extension Chunk {
  /// The chunk cut into packets of at most `size` bytes, as a sender's TCP would segment one write.
  func packets(ofSize size: Int) -> [Chunk] {
    guard count > size else { return [self] }
    var rest = self
    var result: [Chunk] = []
    while rest.count > size { result.append(rest.splitPrefix(size)) }
    result.append(rest)
    return result
  }
}
