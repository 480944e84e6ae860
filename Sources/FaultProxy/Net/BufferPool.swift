/// Fixed-size read buffers reused across reads, so the passthrough path allocates no memory per chunk.
///
/// Loop-confined: one pool per loop, used only on its thread.
final class BufferPool {
  let bufferSize: Int
  /// How much one read may fill: the whole buffer, or less while the loop is over its `BufferBudget`.
  var readSize: Int
  private var free: [UnsafeMutableRawPointer] = []
  private let maxFree: Int

  init(bufferSize: Int, maxFree: Int) {
    self.bufferSize = bufferSize
    readSize = bufferSize
    self.maxFree = maxFree
  }

  deinit {
    for buffer in free { buffer.deallocate() }
  }

  func take() -> UnsafeMutableRawPointer {
    if let buffer = free.popLast() { return buffer }
    return .allocate(byteCount: bufferSize, alignment: 16)
  }

  func give(_ buffer: UnsafeMutableRawPointer) {
    if free.count < maxFree {
      free.append(buffer)
    } else {
      buffer.deallocate()
    }
  }
}

/// Bytes held beyond one read: a pooled read buffer or an exact-size copy, freed when the last chunk
/// referring to it is gone.
final class ByteBlock {
  let base: UnsafeMutableRawPointer
  private let pool: BufferPool?

  /// Takes ownership of a buffer from `pool`.
  init(pooled base: UnsafeMutableRawPointer, pool: BufferPool) {
    self.base = base
    self.pool = pool
  }

  /// Copies `count` bytes into a block of exactly that size.
  init(copying source: UnsafeRawPointer, count: Int) {
    base = .allocate(byteCount: max(count, 1), alignment: 16)
    base.copyMemory(from: source, byteCount: count)
    pool = nil
  }

  deinit {
    if let pool { pool.give(base) } else { base.deallocate() }
  }
}
