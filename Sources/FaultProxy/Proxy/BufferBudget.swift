/// The bound on the bytes buffered by all the connections of one loop (held by fault stages plus
/// queued for writing), on top of each pipe's own high-water mark: without it, thousands of
/// connections whose readers stopped could each hold a high-water mark's worth.
///
/// Over the bound, a pipe that holds bytes stops reading, and every read is cut to `pressureReadSize`,
/// so a pipe that did not hold any can add at most that much before it stops too: the loop holds at
/// most `limit` plus one short read per connection. Pipes resume together once the total falls to
/// `resumeMark`, and each on its own once it has written out all it held. A pipe that holds nothing
/// keeps reading, so healthy connections keep flowing while the stalled ones wait. Loop-confined.
final class BufferBudget {
  /// Read size while over the bound.
  static let pressureReadSize = 4096

  let limit: Int
  let resumeMark: Int
  private(set) var total = 0
  private var waiting: [ObjectIdentifier: Pipe] = [:]
  /// The loop's read buffers, whose read size shrinks while over the bound.
  private unowned let pool: BufferPool

  init(limit: Int, pool: BufferPool) {
    self.limit = max(limit, 1)
    resumeMark = self.limit / 4 * 3
    self.pool = pool
  }

  var isOver: Bool { total > limit }

  /// Records that a pipe's backlog moved by `delta`; wakes the waiting pipes once the total is low enough.
  func change(by delta: Int) {
    total += delta
    pool.readSize = isOver ? min(pool.bufferSize, Self.pressureReadSize) : pool.bufferSize
    guard delta < 0, total <= resumeMark, !waiting.isEmpty else { return }
    let woken = waiting.values
    waiting.removeAll()
    for pipe in woken { pipe.resume(.memory) }
  }

  /// `pipe` stopped reading because the loop is over its bound.
  func wait(_ pipe: Pipe) {
    waiting[ObjectIdentifier(pipe)] = pipe
  }

  /// `pipe` is gone: it no longer waits.
  func forget(_ pipe: Pipe) {
    waiting[ObjectIdentifier(pipe)] = nil
  }
}
