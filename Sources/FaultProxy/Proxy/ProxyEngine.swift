import Dispatch
import FaultlineLocking
import Foundation
import Glibc
import Synchronization

/// The data plane: any number of TCP proxies served by one libuv loop per thread.
///
/// Every method is safe to call from any thread or task. Commands travel to the loops through their
/// command queues and answers come back through continuations, so no call blocks on traffic.
public final class ProxyEngine: Sendable {
  public let configuration: EngineConfiguration
  /// Every fault decision, when recording is on (see `EventLog.isEnabled` and `attachFile`).
  public let eventLog: EventLog
  let context: EngineContext
  let threads: [LoopThread]
  private let dispatcher: LoopDispatcher
  let registry = Locked<[String: ProxyState]>([:])
  private let nextID = Atomic<UInt64>(1)
  private let isStopped = Atomic<Bool>(false)

  /// Starts the loop threads.
  public init(configuration: EngineConfiguration = EngineConfiguration()) throws {
    // Writing to a socket whose peer is gone must be an error code, not a process-killing signal.
    signal(SIGPIPE, SIG_IGN)
    self.configuration = configuration
    eventLog = EventLog()
    context = EngineContext(
      seed: configuration.seed ?? SeedSequence.randomSeed(), eventLog: eventLog)
    var threads: [LoopThread] = []
    for index in 0..<configuration.loopCount {
      threads.append(try LoopThread(name: "faultline-loop-\(index)"))
    }
    self.threads = threads
    dispatcher = LoopDispatcher(threads: threads)
    for thread in threads {
      thread.execute { worker in worker.configure(configuration) }
    }
  }

  deinit {
    for thread in threads { thread.stop() }
  }

  // MARK: Proxies

  /// Starts a proxy; the returned info carries the real listen port.
  @discardableResult
  public func addProxy(_ configuration: ProxyConfiguration) async throws -> ProxyInfo {
    guard !isStopped.load(ordering: .relaxed) else { throw ProxyError.engineStopped }
    let context = self.context
    let reserved = registry.withLock { proxies -> Bool in
      guard proxies[configuration.name] == nil else { return false }
      proxies[configuration.name] = ProxyState(
        id: 0, configuration: configuration, boundListen: configuration.listen, engine: context)
      return true
    }
    guard reserved else { throw ProxyError.duplicateProxy(configuration.name) }
    let id = nextID.add(1, ordering: .relaxed).oldValue
    let home = threads[Int(id) % threads.count]
    let dispatcher = self.dispatcher
    do {
      let state = try await home.run { worker -> ProxyState in
        let listener = ProxyListener(worker: worker, dispatcher: dispatcher)
        let port = try listener.open(configuration.listen)
        let state = ProxyState(
          id: id, configuration: configuration, boundListen: configuration.listen.withPort(port),
          engine: context)
        listener.proxy = state
        worker.addListener(listener, for: id)
        return state
      }
      registry.withLock { $0[configuration.name] = state }
      return state.info
    } catch {
      registry.withLock { _ = $0.removeValue(forKey: configuration.name) }
      throw error
    }
  }

  /// Stops a proxy: its listener closes and every connection it carries is closed.
  public func removeProxy(named name: String) async throws {
    let state = try registry.withLock { proxies -> ProxyState in
      guard let state = proxies.removeValue(forKey: name) else {
        throw ProxyError.unknownProxy(name)
      }
      return state
    }
    let id = state.id
    state.isRemoved = true
    for thread in threads {
      try await thread.run { worker in
        worker.removeListener(for: id)?.close()
        worker.closeConnections(of: id)
      }
    }
  }

  /// Every proxy, by name.
  public func proxies() -> [ProxyInfo] {
    registry.withLock { $0.values.filter { $0.id != 0 }.map(\.info) }.sorted { $0.name < $1.name }
  }

  public func proxy(named name: String) -> ProxyInfo? {
    registry.withLock { $0[name] }.flatMap { $0.id == 0 ? nil : $0.info }
  }

  /// The counters of a proxy, read without touching the loops.
  public func stats(named name: String) throws -> ProxyStats {
    guard let state = registry.withLock({ $0[name] }), state.id != 0 else {
      throw ProxyError.unknownProxy(name)
    }
    return state.counters.snapshot
  }

  /// Per-connection figures of a proxy, gathered from every loop.
  public func connections(named name: String) async throws -> [ConnectionStats] {
    guard let state = registry.withLock({ $0[name] }), state.id != 0 else {
      throw ProxyError.unknownProxy(name)
    }
    let id = state.id
    var all: [ConnectionStats] = []
    for thread in threads {
      all += try await thread.run { worker in worker.connections(of: id).map(\.stats) }
    }
    return all.sorted { $0.index < $1.index }
  }

  /// How late the loops' precise timers ran their actions (latency releases, timeline edges, ...)
  /// since the engine started or the last reset; `reset` starts a new count.
  public func timerLateness(reset: Bool = false) async throws -> TimerLateness {
    var recorders: [TimerLatenessRecorder] = []
    for thread in threads {
      recorders.append(
        try await thread.run { worker in
          defer { if reset { worker.scheduler.lateness.reset() } }
          return worker.scheduler.lateness
        })
    }
    return TimerLatenessRecorder.summary(of: recorders)
  }

  /// Stops every proxy and the loop threads. The engine cannot be used afterwards.
  public func shutdown() async {
    guard !isStopped.exchange(true, ordering: .relaxed) else { return }
    let threads = self.threads
    // Joining the loop threads blocks, so it happens on a thread of its own: blocking a Dispatch or
    // cooperative-pool thread would starve Swift concurrency (two threads on a two-core machine).
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      Thread {
        for thread in threads { thread.stop() }
        continuation.resume()
      }.start()
    }
    registry.withLock { $0.removeAll() }
  }
}
