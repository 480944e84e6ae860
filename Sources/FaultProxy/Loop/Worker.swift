import CLibUV
import Glibc

/// The state of one loop thread: its buffer pool, precise timers, listeners and connections.
///
/// Loop-confined: created on the loop thread and only touched there, through `LoopThread` commands or
/// libuv callbacks.
final class Worker {
  let loop: UnsafeMutablePointer<uv_loop_t>
  unowned let thread: LoopThread
  private(set) var pool = BufferPool(bufferSize: 64 * 1024, maxFree: 64)
  /// This loop's share of the engine's bound on buffered bytes.
  private(set) lazy var budget = BufferBudget(limit: configuration.bufferLimit, pool: pool)
  let scheduler: PreciseScheduler
  let writeRequests = WriteRequestPool()
  var configuration = EngineConfiguration()
  private(set) var listeners: [UInt64: ProxyListener] = [:]
  private var pairs: [UInt64: [ObjectIdentifier: ConnectionPair]] = [:]
  private var shuttingDown = false

  init(loop: UnsafeMutablePointer<uv_loop_t>, thread: LoopThread) {
    self.loop = loop
    self.thread = thread
    // A loop without precise timers cannot run faults; failing here is a broken system, not bad input.
    do {
      scheduler = try PreciseScheduler(loop: loop)
    } catch {
      fatalError("cannot create the loop's timer: \(error)")
    }
  }

  /// Applies engine tuning; called once before any connection exists.
  func configure(_ configuration: EngineConfiguration) {
    self.configuration = configuration
    pool = BufferPool(bufferSize: configuration.readBufferSize, maxFree: 64)
    budget = BufferBudget(
      limit: configuration.bufferLimit / configuration.loopCount, pool: pool)
  }

  // MARK: Listeners

  func addListener(_ listener: ProxyListener, for proxy: UInt64) {
    listeners[proxy] = listener
  }

  func removeListener(for proxy: UInt64) -> ProxyListener? {
    listeners.removeValue(forKey: proxy)
  }

  // MARK: Connections

  /// Takes over an accepted client socket and starts proxying it.
  func adopt(client: TCPConnection, proxy: ProxyState, index: UInt64) {
    guard !shuttingDown, !proxy.isRemoved, proxy.faultPlan.enabled else {
      client.close()
      return
    }
    guard let upstream = try? TCPConnection(loop: loop, pool: pool, writes: writeRequests) else {
      // No socket for the upstream side: the system is out of descriptors; cut the client off.
      client.closeWithReset()
      return
    }
    let pair = ConnectionPair(
      worker: self, proxy: proxy, client: client, upstream: upstream, index: index)
    pairs[proxy.id, default: [:]][ObjectIdentifier(pair)] = pair
    pair.start()
  }

  /// Takes over a socket accepted on another loop, given as a duplicated file descriptor.
  func adopt(fileDescriptor: Int32, proxy: ProxyState, index: UInt64) {
    do {
      let client = try TCPConnection(loop: loop, pool: pool, writes: writeRequests)
      let status = uv_tcp_open(client.handle, fileDescriptor)
      guard status == 0 else {
        Glibc.close(fileDescriptor)
        client.close()
        return
      }
      adopt(client: client, proxy: proxy, index: index)
    } catch {
      Glibc.close(fileDescriptor)
    }
  }

  func pairDidFinish(_ pair: ConnectionPair) {
    pairs[pair.proxy.id]?[ObjectIdentifier(pair)] = nil
    if pairs[pair.proxy.id]?.isEmpty == true { pairs[pair.proxy.id] = nil }
  }

  func connections(of proxy: UInt64) -> [ConnectionPair] {
    pairs[proxy].map { Array($0.values) } ?? []
  }

  /// Closes every connection of a proxy (FIN, or RST when unread data remains).
  func closeConnections(of proxy: UInt64) {
    for pair in connections(of: proxy) { pair.closeBoth() }
  }

  // MARK: Faults

  /// Applies the proxy's current plan to its connections on this loop, and to its listener if it lives here.
  func apply(_ proxy: ProxyState) {
    let snapshot = proxy.faults(at: MonotonicClock.now())
    for pair in connections(of: proxy.id) { pair.applyFaults(snapshot) }
    listeners[proxy.id]?.sync()
  }

  /// Arms a timer for each phase boundary of the proxy's timeline; at each, every loop re-applies the plan.
  func startTimeline(of proxy: ProxyState, generation: UInt64) {
    guard let listener = listeners[proxy.id] else { return }
    let threads = listener.dispatcher.threads
    let plan = proxy.faultPlan
    recordTimeline(proxy, "timeline_start", phase: nil, at: plan.timelineStart, firedAt: nil)
    for (index, phase) in plan.timeline.enumerated() {
      let start = plan.timelineStart &+ phase.at.nanoseconds
      var edges = [(start, "phase_start")]
      if let duration = phase.duration {
        edges.append((start &+ duration.nanoseconds, "phase_end"))
      }
      for (edge, action) in edges {
        scheduler.schedule(at: edge) { [weak self] in
          guard proxy.faultPlan.generation == generation else { return }
          self?.recordTimeline(proxy, action, phase: index, at: edge, firedAt: MonotonicClock.now())
          for thread in threads { thread.execute { worker in worker.apply(proxy) } }
        }
      }
    }
  }

  /// Logs a timeline edge at the moment the plan defines for it (from then on every read sees the
  /// new faults), with how late the timer that pushed the change to idle connections fired.
  private func recordTimeline(
    _ proxy: ProxyState, _ action: String, phase: Int?, at time: UInt64, firedAt: UInt64?
  ) {
    let log = proxy.engine.eventLog
    guard log.isEnabled else { return }
    log.record(
      FaultEvent(
        time: proxy.engine.elapsedMilliseconds(at: time), proxy: proxy.name, connection: nil,
        direction: nil,
        fault: phase.map { "phase\($0)" } ?? "timeline", action: action,
        value: firedAt.map { Double(Int64(bitPattern: $0 &- time)) / 1_000_000 }))
  }

  // MARK: Shutdown

  func beginShutdown() {
    shuttingDown = true
    for listener in listeners.values { listener.close() }
    listeners.removeAll()
    for proxy in pairs.keys { closeConnections(of: proxy) }
    scheduler.close()
    thread.closeWakeup()
  }

  func finishShutdown() {
    pairs.removeAll()
  }
}
