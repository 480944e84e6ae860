import CLibUV

/// A client connection and its upstream connection, joined by two pipes.
///
/// Close propagation is exact: a FIN becomes a half-close toward the other side while the other
/// direction keeps flowing; a reset becomes a reset. The pair lives until both sockets have closed.
/// Loop-confined.
final class ConnectionPair: TCPConnectionDelegate {
  unowned let worker: Worker
  let proxy: ProxyState
  let client: TCPConnection
  let upstream: TCPConnection
  let index: UInt64
  let openedAt: UInt64
  private(set) var upstreamPipe: Pipe!
  private(set) var downstreamPipe: Pipe!
  private(set) var isConnected = false
  private(set) var isClosing = false
  /// Set by a half-open fault on the upstream side: the server socket is gone, the client must not notice.
  private(set) var upstreamForgotten = false
  private var closedSockets = 0
  private var connectTimer: PreciseScheduler.Token?
  /// Held by a `connect_delay` fault with `never`: connects only once that fault is gone.
  private(set) var isAwaitingRelease = false
  /// When the stages must be rebuilt: at the plan's next timeline edge, or once its version moves.
  var faultsValidUntil: UInt64 = .max
  var faultsVersion: UInt64 = 0
  /// What loss stages ask of the path, worked out when the stage chains change rather than on every
  /// chunk: the configured latency of both directions, and each direction's combined loss rate.
  var pathFigures = PathFigures()
  /// Each direction's modelled sender's round-trip estimate, for its loss stages.
  var roundTripEstimates = RoundTripEstimates()

  init(
    worker: Worker, proxy: ProxyState, client: TCPConnection, upstream: TCPConnection, index: UInt64
  ) {
    self.worker = worker
    self.proxy = proxy
    self.client = client
    self.upstream = upstream
    self.index = index
    openedAt = MonotonicClock.now()
    upstreamPipe = Pipe(direction: .upstream, pair: self, source: client, sink: upstream)
    downstreamPipe = Pipe(direction: .downstream, pair: self, source: upstream, sink: client)
    client.delegate = self
    upstream.delegate = self
    proxy.counters.connectionsOpen.add(1, ordering: .relaxed)
    proxy.counters.connectionsTotal.add(1, ordering: .relaxed)
  }

  func pipe(for direction: Direction) -> Pipe {
    direction == .upstream ? upstreamPipe : downstreamPipe
  }

  /// Connects upstream; client bytes wait in the kernel until the connection is up.
  func start() {
    let snapshot = proxy.faults(at: MonotonicClock.now())
    switch connectionDecision(snapshot.faults) {
    case .refuse:
      abort(resetClient: true, resetUpstream: false)
      return
    case .never:
      // The upstream never answers: the client waits until it gives up or the fault goes away.
      isAwaitingRelease = true
      applyFaults(snapshot)
    case .connect(let delay):
      applyFaults(snapshot)
      if delay == 0 {
        connectUpstream()
      } else {
        worker.scheduler.schedule(after: delay) { [weak self] in
          guard let self, !self.isClosing else { return }
          self.connectUpstream()
        }
      }
    }
  }

  func releaseHeldConnect() {
    isAwaitingRelease = false
    connectUpstream()
  }

  private func connectUpstream() {
    let request = UnsafeMutablePointer<uv_connect_t>.allocate(capacity: 1)
    request.pointee.data = Unmanaged.passRetained(self).toOpaque()
    let status = proxy.upstream.withSockAddr { address in
      uv_tcp_connect(request, upstream.handle, address) { request, status in
        guard let request else { return }
        let pair = Unmanaged<ConnectionPair>.fromOpaque(request.pointee.data).takeRetainedValue()
        request.deallocate()
        pair.upstreamConnectDidFinish(status)
      }
    }
    if status != 0 {
      Unmanaged<ConnectionPair>.fromOpaque(request.pointee.data).release()
      request.deallocate()
      upstreamConnectDidFinish(status)
      return
    }
    connectTimer = worker.scheduler.schedule(after: proxy.connectTimeout.nanoseconds) {
      [weak self] in
      self?.upstreamConnectTimedOut()
    }
  }

  private func upstreamConnectDidFinish(_ status: Int32) {
    if let connectTimer { worker.scheduler.cancel(connectTimer) }
    connectTimer = nil
    guard !isClosing else { return }
    guard status == 0 else {
      proxy.counters.upstreamConnectFailures.add(1, ordering: .relaxed)
      abort(resetting: client)
      return
    }
    isConnected = true
    upstreamPipe.resume(.notConnected)
    downstreamPipe.resume(.notConnected)
  }

  private func upstreamConnectTimedOut() {
    connectTimer = nil
    guard !isConnected, !isClosing else { return }
    proxy.counters.upstreamConnectFailures.add(1, ordering: .relaxed)
    abort(resetting: client)
  }

  // MARK: Closing

  /// Ends the pair at once: `target` gets a RST, the other socket a plain close.
  func abort(resetting target: TCPConnection) {
    guard !isClosing else { return }
    isClosing = true
    proxy.counters.resetsSent.add(1, ordering: .relaxed)
    let other = target === client ? upstream : client
    target.closeWithReset()
    other.close()
  }

  /// Ends the pair at once with RSTs on the chosen sides and plain closes elsewhere.
  func abort(resetClient: Bool, resetUpstream: Bool) {
    guard !isClosing else { return }
    isClosing = true
    for (connection, reset) in [(client, resetClient), (upstream, resetUpstream)] {
      if reset {
        proxy.counters.resetsSent.add(1, ordering: .relaxed)
        connection.closeWithReset()
      } else {
        connection.close()
      }
    }
  }

  /// Closes both sockets without a reset (the proxy is going away).
  func closeBoth() {
    guard !isClosing else { return }
    isClosing = true
    client.close()
    if !upstream.isClosing { upstream.close() }
  }

  /// Closes the server side quietly while the client side stays open and silent (half-open, upstream side).
  func forgetUpstream() {
    guard !upstreamForgotten, !isClosing else { return }
    upstreamForgotten = true
    downstreamPipe.pause(.stopped)
    upstream.close()
  }

  /// After a limit_data fault ran out in `direction`: end the other direction too, after what its
  /// stages still hold.
  func finishAfterLimit(direction: Direction) {
    upstreamPipe.pause(.stopped)
    downstreamPipe.pause(.stopped)
    let other = pipe(for: direction == .upstream ? .downstream : .upstream)
    if !other.sourceEnded { other.didEnd(.fin) }
  }

  /// Closes the pair once both directions have delivered their FIN.
  func checkFinished() {
    if upstreamPipe.finished && downstreamPipe.finished { closeBoth() }
  }

  // MARK: TCPConnectionDelegate

  func connection(_ connection: TCPConnection, didRead buffer: UnsafeMutableRawPointer, count: Int)
  {
    (connection === client ? upstreamPipe : downstreamPipe).didRead(buffer, count: count)
  }

  func connection(_ connection: TCPConnection, didEndWith end: StreamEnd) {
    (connection === client ? upstreamPipe : downstreamPipe).didEnd(end)
  }

  func connection(_ connection: TCPConnection, didWrite count: Int, status: Int32) {
    (connection === client ? downstreamPipe : upstreamPipe).sinkDidWrite(count, status: status)
  }

  func connection(_ connection: TCPConnection, didShutdown status: Int32) {
    let pipe = connection === client ? downstreamPipe! : upstreamPipe!
    if status == 0 {
      pipe.sinkDidShutdown()
    } else if !connection.isClosing {
      abort(resetting: connection === client ? upstream : client)
    }
  }

  func connectionDidClose(_ connection: TCPConnection) {
    closedSockets += 1
    if closedSockets == 2 {
      isClosing = true
      if let connectTimer { worker.scheduler.cancel(connectTimer) }
      upstreamPipe.teardown()
      downstreamPipe.teardown()
      proxy.counters.connectionsOpen.subtract(1, ordering: .relaxed)
      worker.pairDidFinish(self)
      return
    }
    // A forgotten upstream leaves the client with a connection to nowhere until it notices.
    if connection === upstream && upstreamForgotten { return }
    isClosing = true
    if connection === upstream {
      // The upstream vanished first (e.g. a failed connect); the client must not linger.
      client.closeWithReset()
    } else {
      upstream.close()
    }
  }

  var stats: ConnectionStats {
    ConnectionStats(
      index: index,
      receivedBytes: [
        .upstream: upstreamPipe.receivedBytes, .downstream: downstreamPipe.receivedBytes,
      ],
      sentBytes: [.upstream: upstreamPipe.sentBytes, .downstream: downstreamPipe.sentBytes],
      upstreamConnected: isConnected,
      age: MonotonicClock.now() &- openedAt
    )
  }
}
