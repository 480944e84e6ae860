import CLibUV

/// Receives what happens on a `TCPConnection`. Loop-confined.
protocol TCPConnectionDelegate: AnyObject {
  /// `buffer` comes from the worker's pool; the delegate owns it and must give it back or wrap it.
  func connection(_ connection: TCPConnection, didRead buffer: UnsafeMutableRawPointer, count: Int)
  func connection(_ connection: TCPConnection, didEndWith end: StreamEnd)
  func connection(_ connection: TCPConnection, didWrite count: Int, status: Int32)
  func connection(_ connection: TCPConnection, didShutdown status: Int32)
  func connectionDidClose(_ connection: TCPConnection)
}

/// One TCP socket as a libuv handle, owned by the handle itself.
///
/// The handle's `data` holds a retained reference to this object from `init` until libuv's close
/// callback, so the object outlives every callback libuv can still make. Loop-confined.
final class TCPConnection {
  let handle: UnsafeMutablePointer<uv_tcp_t>
  unowned let pool: BufferPool
  unowned let writes: WriteRequestPool
  weak var delegate: (any TCPConnectionDelegate)?
  private(set) var isClosing = false
  private(set) var isReading = false
  private var readBuffer: UnsafeMutableRawPointer?

  var stream: UnsafeMutablePointer<uv_stream_t> {
    UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_stream_t.self)
  }
  private var baseHandle: UnsafeMutablePointer<uv_handle_t> {
    UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_handle_t.self)
  }

  init(loop: UnsafeMutablePointer<uv_loop_t>, pool: BufferPool, writes: WriteRequestPool) throws {
    self.pool = pool
    self.writes = writes
    handle = .allocate(capacity: 1)
    let status = uv_tcp_init(loop, handle)
    guard status == 0 else {
      handle.deallocate()
      throw ProxyError.libuv(operation: "uv_tcp_init", code: status)
    }
    handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
    uv_tcp_nodelay(handle, 1)
  }

  /// Bytes waiting in libuv's write queue.
  var writeQueueSize: Int { isClosing ? 0 : uv_stream_get_write_queue_size(stream) }

  func startReading() {
    guard !isReading, !isClosing else { return }
    isReading = true
    uv_read_start(stream, Self.allocate, Self.didRead)
  }

  func stopReading() {
    guard isReading, !isClosing else { return }
    isReading = false
    uv_read_stop(stream)
  }

  /// Writes what the socket takes now without queueing; returns the number of bytes written (0 when it would block).
  func tryWrite(_ pointer: UnsafeRawPointer, count: Int) -> Int {
    guard !isClosing else { return 0 }
    var buffer = uv_buf_init(
      UnsafeMutablePointer(mutating: pointer.assumingMemoryBound(to: CChar.self)), UInt32(count))
    let written = uv_try_write(stream, &buffer, 1)
    return written > 0 ? Int(written) : 0
  }

  /// Queues `count` bytes from `block`; the block stays alive until the write completes.
  func write(_ block: ByteBlock, start: Int, count: Int) {
    guard !isClosing else { return }
    let request = writes.take()
    request.block = block
    submit(request, pointer: block.base + start, count: count)
  }

  /// Queues `count` bytes of a pooled read buffer, which goes back to the pool once written.
  func write(pooled buffer: UnsafeMutableRawPointer, start: Int, count: Int) {
    guard !isClosing else {
      pool.give(buffer)
      return
    }
    let request = writes.take()
    request.pooledBuffer = buffer
    submit(request, pointer: buffer + start, count: count)
  }

  private func submit(_ request: WriteRequest, pointer: UnsafeMutableRawPointer, count: Int) {
    request.connection = self
    request.count = count
    request.request.pointee.data = Unmanaged.passRetained(request).toOpaque()
    var buffer = uv_buf_init(pointer.assumingMemoryBound(to: CChar.self), UInt32(count))
    let status = uv_write(request.request, stream, &buffer, 1) { raw, status in
      guard let raw else { return }
      let request = Unmanaged<WriteRequest>.fromOpaque(raw.pointee.data).takeRetainedValue()
      TCPConnection.finish(request, status: status)
    }
    if status != 0 {
      Unmanaged<WriteRequest>.fromOpaque(request.request.pointee.data).release()
      TCPConnection.finish(request, status: status)
    }
  }

  private static func finish(_ request: WriteRequest, status: Int32) {
    guard let connection = request.connection else { return }
    let count = request.count
    if let buffer = request.pooledBuffer { connection.pool.give(buffer) }
    connection.writes.give(request)
    connection.delegate?.connection(connection, didWrite: count, status: status)
  }

  /// Half-closes the write side after every queued write has gone out.
  func shutdown() {
    guard !isClosing else { return }
    let request = UnsafeMutablePointer<uv_shutdown_t>.allocate(capacity: 1)
    request.pointee.data = Unmanaged.passRetained(self).toOpaque()
    let status = uv_shutdown(request, stream) { request, status in
      guard let request else { return }
      let connection = Unmanaged<TCPConnection>.fromOpaque(request.pointee.data).takeRetainedValue()
      request.deallocate()
      connection.delegate?.connection(connection, didShutdown: status)
    }
    if status != 0 {
      Unmanaged<TCPConnection>.fromOpaque(request.pointee.data).release()
      request.deallocate()
      delegate?.connection(self, didShutdown: status)
    }
  }

  /// Closes the socket; the kernel sends FIN (or RST if unread data remains).
  func close() {
    guard !isClosing else { return }
    isClosing = true
    releaseReadBuffer()
    uv_close(baseHandle, Self.didClose)
  }

  /// Closes the socket with a RST (SO_LINGER 0): the peer sees ECONNRESET.
  func closeWithReset() {
    guard !isClosing else { return }
    isClosing = true
    releaseReadBuffer()
    if uv_tcp_close_reset(handle, Self.didClose) != 0 {
      uv_close(baseHandle, Self.didClose)
    }
  }

  /// The file descriptor, for diagnostics and for handing a socket to another loop.
  var fileDescriptor: Int32 {
    guard !isClosing else { return -1 }
    var fd: uv_os_fd_t = -1
    uv_fileno(baseHandle, &fd)
    return fd
  }

  private func releaseReadBuffer() {
    if let buffer = readBuffer {
      readBuffer = nil
      pool.give(buffer)
    }
  }

  private static func connection(of handle: UnsafeMutableRawPointer) -> TCPConnection {
    let data = handle.assumingMemoryBound(to: uv_handle_t.self).pointee.data!
    return Unmanaged<TCPConnection>.fromOpaque(data).takeUnretainedValue()
  }

  private static let allocate: uv_alloc_cb = { handle, _, buffer in
    guard let handle, let buffer else { return }
    let connection = TCPConnection.connection(of: UnsafeMutableRawPointer(handle))
    let memory = connection.readBuffer ?? connection.pool.take()
    connection.readBuffer = memory
    buffer.pointee = uv_buf_init(
      memory.assumingMemoryBound(to: CChar.self), UInt32(connection.pool.readSize))
  }

  private static let didRead: uv_read_cb = { stream, nread, _ in
    guard let stream else { return }
    let connection = TCPConnection.connection(of: UnsafeMutableRawPointer(stream))
    if nread > 0, let buffer = connection.readBuffer {
      connection.readBuffer = nil
      connection.delegate?.connection(connection, didRead: buffer, count: nread)
    } else if nread < 0 {
      connection.releaseReadBuffer()
      connection.isReading = false
      uv_read_stop(stream)
      let end: StreamEnd = nread == Int(UV_EOF.rawValue) ? .fin : .reset
      connection.delegate?.connection(connection, didEndWith: end)
    }
    // nread == 0 is EAGAIN: keep the buffer for the next read.
  }

  private static let didClose: uv_close_cb = { handle in
    guard let handle else { return }
    let connection = Unmanaged<TCPConnection>.fromOpaque(handle.pointee.data).takeRetainedValue()
    handle.pointee.data = nil
    connection.delegate?.connectionDidClose(connection)
    connection.handle.deallocate()
  }
}
