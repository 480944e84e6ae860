import CLibUV

/// One queued write: libuv's request and what must stay alive until its callback. Reused through
/// `WriteRequestPool`, so a busy passthrough connection allocates nothing per chunk.
final class WriteRequest {
  let request: UnsafeMutablePointer<uv_write_t>
  var connection: TCPConnection?
  /// Holds fault-path bytes alive.
  var block: ByteBlock?
  /// A pooled read buffer to give back once written (passthrough path).
  var pooledBuffer: UnsafeMutableRawPointer?
  var count = 0

  init() {
    request = .allocate(capacity: 1)
  }

  deinit {
    request.deallocate()
  }
}

/// Write requests of one loop, kept for reuse. Loop-confined.
final class WriteRequestPool {
  private var free: [WriteRequest] = []
  private let maxFree: Int

  init(maxFree: Int = 256) {
    self.maxFree = maxFree
  }

  func take() -> WriteRequest {
    free.popLast() ?? WriteRequest()
  }

  func give(_ request: WriteRequest) {
    request.connection = nil
    request.block = nil
    request.pooledBuffer = nil
    if free.count < maxFree { free.append(request) }
  }
}
