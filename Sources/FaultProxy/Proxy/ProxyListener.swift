import CLibUV
import Glibc
import Synchronization

/// The listening socket of one proxy, living on the proxy's home loop.
///
/// Each accepted connection gets the next index in accept order and goes to a loop picked round-robin;
/// a connection bound for another loop travels there as a duplicated file descriptor.
final class ProxyListener {
  private var handle: UnsafeMutablePointer<uv_tcp_t>?
  unowned let worker: Worker
  /// Set right after binding, before the loop can deliver a connection.
  var proxy: ProxyState!
  let dispatcher: LoopDispatcher
  /// A bound, non-listening socket holding the port while the proxy refuses connections.
  private var reservation: Int32?
  /// The port's SYN-dropping stand-in while a blackhole fault is on.
  private var blackhole: SynBlackhole?

  init(worker: Worker, dispatcher: LoopDispatcher) {
    self.worker = worker
    self.dispatcher = dispatcher
  }

  /// Binds and listens on `address`; returns the real port. The socket is created here with
  /// SO_REUSEPORT so that the port can stay reserved while the proxy refuses connections.
  func open(_ address: SocketAddress) throws -> UInt16 {
    let probe = try PortReservation.probe(address)
    defer { Glibc.close(probe.fd) }
    return try listen(on: PortReservation.boundSocket(address.withPort(probe.port)), address)
  }

  /// Listens on `fd`, a socket bound to `address`; returns the real port. Takes `fd` over.
  private func listen(on fd: Int32, _ address: SocketAddress) throws -> UInt16 {
    let handle = UnsafeMutablePointer<uv_tcp_t>.allocate(capacity: 1)
    var status = uv_tcp_init(worker.loop, handle)
    guard status == 0 else {
      handle.deallocate()
      Glibc.close(fd)
      throw ProxyError.libuv(operation: "uv_tcp_init", code: status)
    }
    handle.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    status = uv_tcp_open(handle, fd)
    if status == 0 {
      status = uv_listen(
        UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_stream_t.self), 1024,
        Self.didAccept)
    } else {
      Glibc.close(fd)
    }
    guard status == 0, let port = SocketAddress.boundPort(of: handle) else {
      Self.closeHandle(handle)
      throw ProxyError.bindFailed(
        address: address.description, code: status == 0 ? UV_EINVAL.rawValue : status)
    }
    self.handle = handle
    return port
  }

  /// Opens, closes or blackholes the port to match the plan: a disabled proxy, or a `refuse` fault
  /// in `closed` mode, leaves nothing listening so clients see ECONNREFUSED, and `blackhole` mode
  /// leaves their SYNs unanswered; meanwhile a bound socket keeps the port for when the proxy
  /// listens again.
  func sync() {
    let wanted = proxy.faultPlan.portState(at: MonotonicClock.now())
    guard wanted != state else { return }
    // Hold the port while switching, so nothing else can take it in between.
    if reservation == nil { reservation = try? PortReservation.boundSocket(proxy.listen) }
    closeListener()
    let previousBlackhole = blackhole
    blackhole = nil
    switch wanted {
    case .closed:
      previousBlackhole?.close()
      return
    case .blackhole:
      previousBlackhole?.close()
      blackhole = try? SynBlackhole(proxy.listen)
    case .listening:
      // Out of a blackhole, the new listener opens before the blackhole's closes: closed first, a
      // client's SYN retransmitted in between (Linux retries every second) finds nothing listening
      // and is refused, where it should get through. Meanwhile the two share the port
      // (SO_REUSEPORT); a SYN the kernel gives the blackhole is dropped and retried, as before.
      defer { previousBlackhole?.close() }
      do {
        if previousBlackhole != nil {
          _ = try listen(on: PortReservation.boundSocket(proxy.listen), proxy.listen)
        } else {
          _ = try open(proxy.listen)
        }
      } catch {
        // Another SO_REUSEPORT socket of this user took the port; the proxy stays closed.
        return
      }
    }
    releaseReservation()
  }

  /// What the port does now.
  private var state: PortState {
    if isOpen { return .listening }
    return blackhole == nil ? .closed : .blackhole
  }

  /// Whether the listening socket is open.
  var isOpen: Bool { handle != nil }

  /// Stops listening for good and gives the port back.
  func close() {
    closeListener()
    blackhole?.close()
    blackhole = nil
    releaseReservation()
  }

  private func releaseReservation() {
    if let reservation { Glibc.close(reservation) }
    reservation = nil
  }

  /// Stops listening; later connection attempts are refused by the kernel.
  private func closeListener() {
    guard let handle else { return }
    self.handle = nil
    handle.pointee.data = nil
    var fd: uv_os_fd_t = -1
    if uv_fileno(UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_handle_t.self), &fd)
      == 0
    {
      PortReservation.stopListening(fd)
    }
    Self.closeHandle(handle)
  }

  private static func closeHandle(_ handle: UnsafeMutablePointer<uv_tcp_t>) {
    uv_close(UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_handle_t.self)) { closed in
      closed.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: uv_tcp_t.self).deallocate() }
    }
  }

  private static let didAccept: uv_connection_cb = { server, status in
    guard let server, status == 0, let data = server.pointee.data else { return }
    let listener = Unmanaged<ProxyListener>.fromOpaque(data).takeUnretainedValue()
    listener.acceptOne(server)
  }

  private func acceptOne(_ server: UnsafeMutablePointer<uv_stream_t>) {
    let worker = self.worker
    guard
      let client = try? TCPConnection(
        loop: worker.loop, pool: worker.pool, writes: worker.writeRequests)
    else { return }
    guard uv_accept(server, client.stream) == 0 else {
      client.close()
      return
    }
    let index = proxy.takeConnectionIndex()
    let target = dispatcher.next()
    if target === worker.thread {
      worker.adopt(client: client, proxy: proxy, index: index)
      return
    }
    let duplicate = dup(client.fileDescriptor)
    client.close()
    guard duplicate >= 0 else { return }
    let proxy: ProxyState = self.proxy
    target.execute { other in other.adopt(fileDescriptor: duplicate, proxy: proxy, index: index) }
  }
}

/// Picks the loop for each new connection, round-robin.
final class LoopDispatcher: Sendable {
  let threads: [LoopThread]
  private let counter = Atomic<Int>(0)

  init(threads: [LoopThread]) {
    self.threads = threads
  }

  func next() -> LoopThread {
    threads[counter.add(1, ordering: .relaxed).oldValue % threads.count]
  }
}
