import FaultlineLocking
import Synchronization

/// Everything the loops share about one proxy: its addresses, counters, faults and timeline.
///
/// Created by the engine, read on every loop thread. The fault plan is swapped under a mutex; each
/// loop then applies the new plan to its own connections in one turn.
final class ProxyState: Sendable {
  let id: UInt64
  let name: String
  let listen: SocketAddress
  let upstream: SocketAddress
  let connectTimeout: Duration
  let engine: EngineContext
  let counters = ProxyCounters()
  private let nextConnection = Atomic<UInt64>(0)
  private let removed = Atomic<Bool>(false)
  private let plan: Locked<FaultPlan>
  private let planVersion = Atomic<UInt64>(0)
  private let buckets = Locked<[String: SharedTokenBucket]>([:])

  init(
    id: UInt64, configuration: ProxyConfiguration, boundListen: SocketAddress, engine: EngineContext
  ) {
    self.id = id
    name = configuration.name
    listen = boundListen
    upstream = configuration.upstream
    connectTimeout = configuration.connectTimeout
    self.engine = engine
    plan = Locked(FaultPlan(faults: configuration.faults))
  }

  var seeds: SeedSequence { SeedSequence(seed: engine.seed) }

  /// The plan: base faults, timeline, enabled flag.
  var faultPlan: FaultPlan { plan.withLock { $0 } }

  /// Changes the plan and bumps its version, so every connection sees the change on its next read.
  func updatePlan<T>(_ body: (inout FaultPlan) throws -> T) rethrows -> T {
    try plan.withLock { plan in
      let result = try body(&plan)
      planVersion.add(1, ordering: .releasing)
      return result
    }
  }

  /// Bumped by every change of the plan; one atomic load tells a connection its faults are current.
  var currentPlanVersion: UInt64 { planVersion.load(ordering: .acquiring) }

  /// The faults in effect right now, base faults first, then those of active phases.
  var activeFaults: [ActiveFault] {
    faults(at: MonotonicClock.now()).faults
  }

  /// The faults in effect at `time`, the plan version they come from, and the next moment
  /// (monotonic nanoseconds, `.max` for never) when a timeline phase starts or ends.
  func faults(at time: UInt64) -> FaultSnapshot {
    plan.withLock { plan in
      FaultSnapshot(
        faults: plan.activeFaults(at: time),
        validUntil: plan.boundaries(after: time).first ?? .max,
        version: planVersion.load(ordering: .relaxed))
    }
  }

  /// Set once the proxy is removed: connections still on their way to a loop are closed on arrival.
  var isRemoved: Bool {
    get { removed.load(ordering: .acquiring) }
    set { removed.store(newValue, ordering: .releasing) }
  }

  /// The next connection's index in accept order.
  func takeConnectionIndex() -> UInt64 {
    nextConnection.add(1, ordering: .relaxed).oldValue
  }

  /// The proxy-wide token bucket of a bandwidth fault, one per fault and direction.
  func sharedBucket(for key: String, direction: Direction, rate: Double) -> SharedTokenBucket {
    buckets.withLock { buckets in
      let bucketKey = "\(key)/\(direction.rawValue)/\(rate)"
      if let bucket = buckets[bucketKey] { return bucket }
      let bucket = SharedTokenBucket(rate: rate)
      buckets[bucketKey] = bucket
      return bucket
    }
  }

  var info: ProxyInfo {
    let plan = faultPlan
    return ProxyInfo(
      name: name, listen: listen, upstream: upstream, faults: plan.faults, enabled: plan.enabled,
      profile: plan.profileName)
  }
}

extension SeedSequence {
  /// Decisions of the fault with `key` in `direction` on connection `connection`.
  func key(connection: UInt64, direction: Direction, fault key: String) -> DecisionKey {
    self.key(
      connection: connection, direction: direction,
      fault: Int(truncatingIfNeeded: DecisionKey.fnv1a(key)))
  }

  /// Once-per-connection decisions of the fault with `key` (its toxicity).
  func connectionKey(connection: UInt64, fault key: String) -> DecisionKey {
    connectionKey(connection: connection, fault: Int(truncatingIfNeeded: DecisionKey.fnv1a(key)))
  }
}

/// The faults of a proxy at one moment, and how long they hold.
struct FaultSnapshot {
  var faults: [ActiveFault]
  /// The next timeline edge (monotonic nanoseconds); `.max` when none is due.
  var validUntil: UInt64
  /// The plan version the faults come from.
  var version: UInt64
}
